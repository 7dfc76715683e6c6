import type { Config } from '../config/schema.ts';
import { postWithRetry } from '../notifiers/http-post.ts';
import { truncate } from '../notifiers/notifier.ts';
import { escapeSlack, mrkdwn, truncateEscaped } from '../notifiers/slack-notifier.ts';
import { adaptiveCardMessage, breakTeamsLinks } from '../notifiers/teams-notifier.ts';
import { approvalLink } from './approval-links.ts';
import { changesOf } from './image-patch.ts';
import type { Remediation } from './remediation-approvals.ts';
import { rollbackCommand } from './rollback.ts';
import { APPROVE_ACTION, buttonValue, REJECT_ACTION } from './slack-interaction.ts';

function summary(remediation: Remediation): { title: string; lines: string[] } {
  const cves = remediation.finding.cves;
  const top = cves
    .slice(0, 5)
    .map(
      (cve) => `${cve.id} (${cve.severity}, ${cve.package}${cve.fixedVersion ? ` fixed in ${cve.fixedVersion}` : ''})`,
    );
  return {
    title: `Patch ${remediation.kind} ${remediation.namespace}/${remediation.deployment}? (remediation #${remediation.id})`,
    lines: [
      ...changesOf(remediation).map(
        (change) => `Container ${change.container}: ${change.currentImage} -> ${change.targetImage}`,
      ),
      ...(remediation.rolloutNote ? [`Rollout: ${remediation.rolloutNote}`] : []),
      cves.length > 0
        ? `Found ${cves.length} vulnerabilit${cves.length === 1 ? 'y' : 'ies'}: ${top.join(', ')}${cves.length > 5 ? ', ...' : ''}`
        : `Findings: ${remediation.finding.kinds.join(', ')}`,
      ...(remediation.finding.fixes ? [`Fixes: ${listIds(remediation.finding.fixes)}`] : []),
      ...(remediation.finding.unfixed?.length
        ? [`Not fixed by this image (rebuild or upgrade in the application): ${listIds(remediation.finding.unfixed)}`]
        : []),
      ...(remediation.explanation ? [`Why this tag: ${remediation.explanation}`] : []),
      `Server dry run passed; rollback: ${rollbackCommand(remediation.kind, remediation.namespace, remediation.deployment)}`,
    ],
  };
}

function listIds(ids: string[]): string {
  return ids.length === 0 ? 'none' : `${ids.slice(0, 8).join(', ')}${ids.length > 8 ? `, ... (${ids.length})` : ''}`;
}

/** Block Kit message with Approve/Reject buttons; the buttons carry the remediation id and plan hash. */
export function buildSlackApprovalMessage(remediation: Remediation) {
  const { title, lines } = summary(remediation);
  const value = buttonValue(remediation.id, remediation.planHash);
  return {
    text: truncateEscaped(escapeSlack(title), 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(title, 150) } },
      // Image, package and CVE names come from the scanned image and the model: escaped and verbatim (slack-notifier.ts).
      { type: 'section', text: mrkdwn(escapeSlack(lines.join('\n')), 3000) },
      { type: 'section', text: mrkdwn(`\`\`\`${escapeSlack(remediation.diff)}\`\`\``, 3000) },
      {
        type: 'actions',
        block_id: `workloads-remediation-${remediation.id}`,
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Patch now' },
            value,
            confirm: {
              title: { type: 'plain_text', text: `Patch the ${remediation.kind}?` },
              text: {
                type: 'plain_text',
                text: truncate(`${remediation.currentImage} -> ${remediation.targetImage}`, 300),
              },
              confirm: { type: 'plain_text', text: 'Patch' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          {
            type: 'button',
            action_id: REJECT_ACTION,
            style: 'danger',
            text: { type: 'plain_text', text: 'No' },
            value,
          },
        ],
      },
    ],
  };
}

/** Adaptive Card (Teams incoming webhook) whose button opens the signed approve link on the review server. */
export function buildTeamsApprovalCard(remediation: Remediation, approveUrl: string | undefined) {
  const { title, lines } = summary(remediation);
  return adaptiveCardMessage({
    body: [
      { type: 'TextBlock', text: truncate(breakTeamsLinks(title), 256), weight: 'Bolder', size: 'Medium', wrap: true },
      // Image names, package names from the scanned image and the model's explanation: no masked link beside our button.
      ...lines.map((line) => ({ type: 'TextBlock', text: truncate(breakTeamsLinks(line), 2000), wrap: true })),
    ],
    actions: approveUrl ? [{ type: 'Action.OpenUrl', title: 'Review and approve', url: approveUrl }] : [],
  });
}

export interface ApprovalMessageResult {
  channel: string;
  status: 'sent' | 'failed' | 'skipped';
  error?: string;
}

/**
 * Sends the approval request to the configured Slack and Teams channels (`notifications.channels`, filtered by
 * `workloads.approval.channels`). Teams needs `public_url` and `link_secret` for its button; without them it gets the
 * card without a button and the CLI command to run.
 */
export async function sendApprovalRequest(config: Config, remediation: Remediation): Promise<ApprovalMessageResult[]> {
  const approval = config.workloads?.approval;
  const wanted = approval?.channels ?? [];
  const results: ApprovalMessageResult[] = [];
  for (const channel of config.notifications?.channels ?? []) {
    if (channel.kind !== 'slack' && channel.kind !== 'teams') continue;
    const name = channel.name ?? channel.kind;
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    let body: unknown;
    if (channel.kind === 'slack') {
      if (!approval?.slack_signing_secret) {
        results.push({ channel: name, status: 'skipped', error: 'workloads.approval.slack_signing_secret is not set' });
        continue;
      }
      body = buildSlackApprovalMessage(remediation);
    } else {
      const link =
        approval?.public_url && approval.link_secret
          ? approvalLink(
              approval.public_url,
              approval.link_secret,
              remediation.id,
              remediation.planHash,
              new Date(remediation.expiresAt),
            )
          : undefined;
      body = buildTeamsApprovalCard(remediation, link);
    }
    const sent = await postWithRetry(channel.webhook_url, JSON.stringify(body), {
      integration: channel.kind,
      timeoutMs: channel.timeout * 1000,
      maxRetries: channel.max_retries,
    });
    results.push(
      sent.status === 'sent'
        ? { channel: name, status: 'sent' }
        : { channel: name, status: 'failed', error: sent.error },
    );
  }
  return results;
}
