import type { IncomingMessage, ServerResponse } from 'node:http';
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
const MAX_BODY_BYTES = 64 * 1024;

/** A node:http handler the web server mounts before its own routes; false when the path is not ours. */
export type WorkloadApprovalHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * The chat-facing approval endpoints. They authenticate by signature, not by the review page's bearer token:
 *   POST /workloads/slack/interactions      Slack interactivity Request URL (X-Slack-Signature v0)
 *   GET  /workloads/approvals/:id?hash&expires&token   signed link (Teams card): shows the plan, asks to confirm
 *   POST /workloads/approvals/:id           the confirmation form: approves-and-applies or rejects, once
 * GET never changes anything (chat clients prefetch links to render previews).
 */
export function createWorkloadApprovalRoutes(runtime: WorkloadRuntime): WorkloadApprovalHandler {
  return async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === SLACK_INTERACTIONS_PATH) {
      if (request.method !== 'POST') return send(response, { ...plain(405, 'POST only'), headers: { Allow: 'POST' } });
      const body = await readBody(request);
      if (body === undefined) return send(response, plain(413, 'body too large'));
      return send(response, await handleSlackInteraction(body, request.headers, runtime));
    }
    const match = new RegExp(`^${APPROVAL_LINK_PATH}/(\\d{1,12})$`).exec(url.pathname);
    if (!match) return false;
    const id = Number(match[1]);
    const secret = runtime.config.workloads?.approval.link_secret;
    if (!secret)
      return send(response, page(503, 'Not configured', '<p>workloads.approval.link_secret is not set.</p>'));
    if (request.method === 'GET' || request.method === 'HEAD') {
      const check = verifyApprovalLink(secret, id, url.searchParams, runtime.now?.());
      if (!check.ok) return send(response, page(403, 'Link refused', `<p>${escapeHtml(check.reason)}</p>`));
      const remediation = getRemediation(runtime.store, id);
      if (!remediation) return send(response, page(404, 'Not found', `<p>No remediation #${id}.</p>`));
      return send(response, page(200, `Remediation #${id}`, confirmForm(remediation, url.searchParams)));
    }
    if (request.method !== 'POST')
      return send(response, { ...plain(405, 'GET or POST'), headers: { Allow: 'GET, POST' } });
    const body = await readBody(request);
    if (body === undefined) return send(response, plain(413, 'body too large'));
    const form = new URLSearchParams(body);
    const check = verifyApprovalLink(secret, id, form, runtime.now?.());
    if (!check.ok) {
      runtime.store.audit.append('workloads.link.refused', { id, reason: check.reason });
      return send(response, page(403, 'Link refused', `<p>${escapeHtml(check.reason)}</p>`));
    }
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'reject')
      return send(response, plain(400, 'decision: approve or reject'));
    if (!rememberOnce(runtime.store.db, 'approval-link', `${check.parameters.token}`, runtime.now?.())) {
      return send(response, page(409, 'Already used', '<p>This link was already used.</p>'));
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
    return send(
      response,
      page(ok ? 200 : 409, ok ? 'Done' : 'Not applied', `<p>${escapeHtml(describeDecision(id, result, approver))}</p>`),
    );
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
  return `<p>${escapeHtml(`${remediation.namespace}/${remediation.deployment}, container ${remediation.container}`)}</p>
<p>${escapeHtml(`${remediation.currentImage} -> ${remediation.targetImage}`)}</p>
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

function send(response: ServerResponse, answer: HttpAnswer & { headers?: Record<string, string> }): true {
  response.writeHead(answer.status, {
    'content-type': answer.contentType,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; form-action 'self'",
    'referrer-policy': 'no-referrer',
    ...answer.headers,
  });
  response.end(answer.body);
  return true;
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
