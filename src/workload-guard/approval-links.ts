import { createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of a signed approve link: a capability for one plan of one remediation, until `expires`. */
export interface ApprovalLinkParameters {
  id: number;
  /** First 16 hex digits of the plan hash: the link approves exactly the plan it was made for. */
  hash: string;
  /** Unix seconds. */
  expires: number;
  token: string;
}

export const APPROVAL_LINK_PATH = '/workloads/approvals';

export function approvalLinkToken(secret: string, id: number, hash: string, expires: number): string {
  return createHmac('sha256', secret).update(`workloads-approve:${id}:${hash}:${expires}`).digest('hex');
}

/** `{public_url}/workloads/approvals/{id}?hash=..&expires=..&token=..`, the URL a Teams card button opens. */
export function approvalLink(publicUrl: string, secret: string, id: number, planHash: string, expiresAt: Date): string {
  const hash = planHash.slice(0, 16);
  const expires = Math.floor(expiresAt.getTime() / 1000);
  const url = new URL(`${publicUrl.replace(/\/+$/, '')}${APPROVAL_LINK_PATH}/${id}`);
  url.searchParams.set('hash', hash);
  url.searchParams.set('expires', String(expires));
  url.searchParams.set('token', approvalLinkToken(secret, id, hash, expires));
  return url.toString();
}

export type LinkCheck = { ok: true; parameters: ApprovalLinkParameters } | { ok: false; reason: string };

/** Checks a link's token (constant time) and expiry. */
export function verifyApprovalLink(secret: string, id: number, query: URLSearchParams, now = new Date()): LinkCheck {
  const hash = query.get('hash') ?? '';
  const expiresText = query.get('expires') ?? '';
  const token = query.get('token') ?? '';
  if (!/^[0-9a-f]{16}$/.test(hash) || !/^\d{1,12}$/.test(expiresText) || !/^[0-9a-f]{64}$/.test(token)) {
    return { ok: false, reason: 'malformed approve link' };
  }
  const expires = Number(expiresText);
  const expected = Buffer.from(approvalLinkToken(secret, id, hash, expires), 'utf8');
  if (!timingSafeEqual(expected, Buffer.from(token, 'utf8'))) return { ok: false, reason: 'bad link signature' };
  if (now.getTime() / 1000 > expires) return { ok: false, reason: 'the approve link has expired' };
  return { ok: true, parameters: { id, hash, expires, token } };
}
