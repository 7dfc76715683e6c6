import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { postWithRetry } from '../notifiers/http-post.ts';
import {
  approveRemediation,
  type RemediationDecision,
  rejectRemediation,
  type WorkloadRuntime,
} from './remediation-approvals.ts';
import { rememberOnce } from './workload-store.ts';

/** Slack's limit: requests whose timestamp is further than this from now are refused (replay window). */
export const SLACK_MAX_AGE_SECONDS = 300;
export const APPROVE_ACTION = 'workloads_approve';
export const REJECT_ACTION = 'workloads_reject';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Slack's request signing, v0: `v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` with the app's
 * signing secret, compared in constant time; timestamps more than 5 minutes away are refused.
 */
export function verifySlackSignature(
  signingSecret: string,
  rawBody: string,
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
  now = new Date(),
): SignatureCheck {
  const timestamp = header(headers, 'x-slack-request-timestamp');
  const signature = header(headers, 'x-slack-signature');
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed X-Slack-Request-Timestamp' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SLACK_MAX_AGE_SECONDS) {
    return { ok: false, reason: 'request timestamp is more than 5 minutes from now' };
  }
  const expected = slackSignature(signingSecret, timestamp, rawBody);
  const given = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return { ok: false, reason: 'bad signature' };
  return { ok: true };
}

export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

interface BlockActionsPayload {
  type?: string;
  user?: { id?: string; username?: string; name?: string };
  actions?: Array<{ action_id?: string; value?: string; action_ts?: string }>;
  response_url?: string;
}

/**
 * The Slack interactivity callback (the app's Request URL): verifies the signature, refuses stale and replayed
 * requests (signatures and action ids remembered in SQLite), then approves-and-applies or rejects the remediation the
 * button names, bound to the plan hash it carries.
 */
export async function handleSlackInteraction(
  rawBody: string,
  headers: IncomingHttpHeaders | Record<string, string | undefined>,
  runtime: WorkloadRuntime,
): Promise<HttpAnswer> {
  const secret = runtime.config.workloads?.approval.slack_signing_secret;
  if (!secret) return text(503, 'Slack approvals are not configured (workloads.approval.slack_signing_secret)');
  const now = runtime.now?.() ?? new Date();
  const check = verifySlackSignature(secret, rawBody, headers, now);
  if (!check.ok) {
    runtime.store.audit.append('workloads.slack.refused', { reason: check.reason });
    return text(401, `refused: ${check.reason}`);
  }
  if (!rememberOnce(runtime.store.db, 'slack-signature', header(headers, 'x-slack-signature')!, now)) {
    runtime.store.audit.append('workloads.slack.refused', { reason: 'replayed request' });
    return text(409, 'refused: this request was already received (replay)');
  }
  let payload: BlockActionsPayload;
  try {
    payload = JSON.parse(new URLSearchParams(rawBody).get('payload') ?? '') as BlockActionsPayload;
  } catch {
    return text(400, 'expected a form body with a JSON "payload" field');
  }
  const action = payload?.actions?.[0];
  if (payload?.type !== 'block_actions' || !action?.action_id || !action.value) {
    return text(400, 'expected a block_actions payload with one action');
  }
  if (action.action_id !== APPROVE_ACTION && action.action_id !== REJECT_ACTION) {
    return text(400, `unknown action ${action.action_id.slice(0, 50)}`);
  }
  const value = parseButtonValue(action.value);
  if (!value) return text(400, 'malformed button value');
  if (
    !rememberOnce(runtime.store.db, 'slack-action', `${action.action_id}:${value.id}:${action.action_ts ?? ''}`, now)
  ) {
    return text(409, 'refused: this button press was already handled');
  }
  const user = payload.user ?? {};
  const approvers = runtime.config.workloads?.approval.slack_approvers ?? [];
  if (approvers.length > 0 && !approvers.includes(user.id ?? '')) {
    runtime.store.audit.append('workloads.slack.refused', {
      reason: 'user not in slack_approvers',
      user: user.id ?? null,
    });
    return text(403, 'refused: you are not in workloads.approval.slack_approvers');
  }
  const approver = `slack:${(user.username ?? user.name ?? 'unknown').slice(0, 80)} (${(user.id ?? '?').slice(0, 40)})`;
  const decision =
    action.action_id === APPROVE_ACTION
      ? await approveRemediation(runtime, value.id, approver, value.hash)
      : rejectRemediation(runtime, value.id, approver, 'rejected in Slack', value.hash);
  const message = describeDecision(value.id, decision, approver);
  const responseUrlAllowed = runtime.slackResponseUrlAllowed ?? isSlackResponseUrl;
  if (payload.response_url && responseUrlAllowed(payload.response_url)) {
    // Replaces the buttons with the outcome; failures only cost the cosmetic update.
    await postWithRetry(payload.response_url, JSON.stringify({ replace_original: true, text: message }), {
      integration: 'slack',
      maxRetries: 1,
      timeoutMs: 5000,
    });
  }
  const ok = decision.status === 'applied' || decision.status === 'already_applied' || decision.status === 'rejected';
  return { status: ok ? 200 : 409, contentType: 'application/json', body: JSON.stringify({ text: message }) };
}

/** Slack's response_url hosts (commercial and GovSlack): the agent posts nowhere else, whatever a payload says. */
const SLACK_RESPONSE_HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

function isSlackResponseUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && SLACK_RESPONSE_HOSTS.has(url.host) && !url.username && !url.password;
  } catch {
    return false;
  }
}

export function describeDecision(id: number, decision: RemediationDecision, approver: string): string {
  switch (decision.status) {
    case 'applied':
    case 'already_applied':
      return `Remediation #${id} approved by ${approver}: ${decision.remediation.kind} ${decision.remediation.namespace}/${decision.remediation.deployment} now runs ${decision.remediation.targetImage}.`;
    case 'rejected':
      return `Remediation #${id} rejected by ${approver}.`;
    default:
      return `Remediation #${id} not applied: ${decision.error}`;
  }
}

export function buttonValue(id: number, planHash: string): string {
  return JSON.stringify({ id, hash: planHash.slice(0, 16) });
}

function parseButtonValue(value: string): { id: number; hash: string } | undefined {
  try {
    const parsed = JSON.parse(value) as { id?: unknown; hash?: unknown };
    if (typeof parsed.id !== 'number' || !Number.isSafeInteger(parsed.id) || parsed.id <= 0) return undefined;
    if (typeof parsed.hash !== 'string' || !/^[0-9a-f]{12,64}$/.test(parsed.hash)) return undefined;
    return { id: parsed.id, hash: parsed.hash };
  } catch {
    return undefined;
  }
}

function header(headers: IncomingHttpHeaders | Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function text(status: number, body: string): HttpAnswer {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}
