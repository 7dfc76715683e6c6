import type { Route, RouteReply, RouteRequest } from '../http/router.ts';
import { APPROVAL_LINK_PATH, verifyApprovalLink } from './approval-links.ts';
import {
  approveRemediation,
  getRemediation,
  type Remediation,
  rejectRemediation,
  type WorkloadRuntime,
} from './remediation-approvals.ts';
import { describeDecision, type HttpAnswer, handleSlackInteraction } from './slack-interaction.ts';
import { rememberOnce } from './workload-store.ts';

export const SLACK_INTERACTIONS_PATH = '/workloads/slack/interactions';

/**
 * The chat-facing approval endpoints, as routes for the one HTTP stack. They authenticate by signature (`access:
 * 'self'`), not by the review page's bearer token; the stack still applies the Host check, body limit and headers:
 *   POST /workloads/slack/interactions      Slack interactivity Request URL (X-Slack-Signature v0)
 *   GET  /workloads/approvals/:id?hash&expires&token   signed link (Teams card): shows the plan, asks to confirm
 *   POST /workloads/approvals/:id           the confirmation form: approves-and-applies or rejects, once
 * GET never changes anything (chat clients prefetch links to render previews).
 */
export function workloadApprovalRoutes(runtime: WorkloadRuntime): Route[] {
  const linkPath = `${APPROVAL_LINK_PATH}/:id`;
  return [
    {
      method: 'POST',
      path: SLACK_INTERACTIONS_PATH,
      access: 'self',
      handler: async (request) =>
        reply(await handleSlackInteraction(await request.text(), headerRecord(request), runtime)),
    },
    {
      method: 'GET',
      path: linkPath,
      access: 'self',
      handler: (request) => {
        const id = parseLinkId(request.params.id);
        if (id === undefined) return reply(page(404, 'Not found', '<p>No such remediation.</p>'));
        const secret = runtime.config.workloads?.approval.link_secret;
        if (!secret) return notConfigured();
        const check = verifyApprovalLink(secret, id, request.url.searchParams, runtime.now?.());
        if (!check.ok) return reply(page(403, 'Link refused', `<p>${escapeHtml(check.reason)}</p>`));
        const remediation = getRemediation(runtime.store, id);
        if (!remediation) return reply(page(404, 'Not found', `<p>No remediation #${id}.</p>`));
        return reply(page(200, `Remediation #${id}`, confirmForm(remediation, request.url.searchParams)));
      },
    },
    {
      method: 'POST',
      path: linkPath,
      access: 'self',
      handler: async (request) => {
        const id = parseLinkId(request.params.id);
        if (id === undefined) return reply(page(404, 'Not found', '<p>No such remediation.</p>'));
        const secret = runtime.config.workloads?.approval.link_secret;
        if (!secret) return notConfigured();
        const form = new URLSearchParams(await request.text());
        const check = verifyApprovalLink(secret, id, form, runtime.now?.());
        if (!check.ok) {
          runtime.store.audit.append('workloads.link.refused', { id, reason: check.reason });
          return reply(page(403, 'Link refused', `<p>${escapeHtml(check.reason)}</p>`));
        }
        const decision = form.get('decision');
        if (decision !== 'approve' && decision !== 'reject') return reply(plain(400, 'decision: approve or reject'));
        if (!rememberOnce(runtime.store.db, 'approval-link', `${check.parameters.token}`, runtime.now?.())) {
          return reply(page(409, 'Already used', '<p>This link was already used.</p>'));
        }
        const name = (form.get('by') ?? '')
          .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
          .trim()
          .slice(0, 80);
        const approver = `link${name ? ` (${name})` : ''}`;
        const result =
          decision === 'approve'
            ? await approveRemediation(runtime, id, approver, check.parameters.hash)
            : rejectRemediation(runtime, id, approver, 'rejected from the approve link', check.parameters.hash);
        const ok = result.status === 'applied' || result.status === 'already_applied' || result.status === 'rejected';
        const text = `<p>${escapeHtml(describeDecision(id, result, approver))}</p>`;
        return reply(page(ok ? 200 : 409, ok ? 'Done' : 'Not applied', text));
      },
    },
  ];
}

/** Ids are 1-12 digits; anything else is not one of our links (404, as before). */
function parseLinkId(text: string | undefined): number | undefined {
  return text && /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

function notConfigured(): RouteReply {
  return reply(page(503, 'Not configured', '<p>workloads.approval.link_secret is not set.</p>'));
}

function headerRecord(request: RouteRequest): Record<string, string | undefined> {
  return {
    'x-slack-request-timestamp': request.header('x-slack-request-timestamp'),
    'x-slack-signature': request.header('x-slack-signature'),
  };
}

/**
 * Chat pages get a CSP stricter than the review page's (no script, no styles at all); the stack keeps it. It replaces
 * the stack's whole policy, and `default-src` covers neither framing nor `<base>`, so those are repeated here: a page
 * holding an approve-and-patch form must never be framed (clickjacking).
 */
function reply(answer: HttpAnswer): RouteReply {
  return {
    status: answer.status,
    text: answer.body,
    contentType: answer.contentType,
    headers: {
      'Content-Security-Policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    },
  };
}

function confirmForm(remediation: Remediation, query: URLSearchParams): string {
  const hidden = ['hash', 'expires', 'token']
    .map((key) => `<input type="hidden" name="${key}" value="${escapeHtml(query.get(key) ?? '')}">`)
    .join('');
  const cves = remediation.finding.cves
    .slice(0, 50)
    .map(
      (cve) => `<li>${escapeHtml(`${cve.id} ${cve.severity} ${cve.package} fixed in ${cve.fixedVersion || '-'}`)}</li>`,
    )
    .join('');
  const state =
    remediation.status === 'pending'
      ? `<form method="post">${hidden}<label>Your name <input name="by" maxlength="80"></label>
<button name="decision" value="approve">Approve and patch</button> <button name="decision" value="reject">Reject</button></form>`
      : `<p>Status: <strong>${escapeHtml(remediation.status)}</strong></p>`;
  return `<p>${escapeHtml(`${remediation.kind} ${remediation.namespace}/${remediation.deployment}, container ${remediation.container}`)}</p>
<p>${escapeHtml(`${remediation.currentImage} -> ${remediation.targetImage}`)}</p>
${remediation.rolloutNote ? `<p>${escapeHtml(remediation.rolloutNote)}</p>` : ''}
${remediation.explanation ? `<p>${escapeHtml(remediation.explanation)}</p>` : ''}<ul>${cves}</ul>
<pre>${escapeHtml(remediation.diff)}</pre>${state}`;
}

function page(status: number, title: string, body: string): HttpAnswer {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} - devops-agent</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  };
}

function plain(status: number, body: string): HttpAnswer {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
