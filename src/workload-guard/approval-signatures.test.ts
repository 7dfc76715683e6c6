import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalLink, verifyApprovalLink } from './approval-links.ts';
import { slackSignature, verifySlackSignature } from './slack-interaction.ts';

// The example from Slack's "Verifying requests from Slack" documentation.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack request signatures (v0)', () => {
  const at = new Date(Number(DOC_TIMESTAMP) * 1000 + 30_000);
  it("matches the signature in Slack's documentation", () => {
    assert.equal(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY), DOC_SIGNATURE);
    const headers = { 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };
    assert.deepEqual(verifySlackSignature(DOC_SECRET, DOC_BODY, headers, at), { ok: true });
  });
  it('refuses a changed body, a wrong secret, old or future timestamps and missing headers', () => {
    const headers = { 'X-Slack-Request-Timestamp': DOC_TIMESTAMP, 'X-Slack-Signature': DOC_SIGNATURE };
    const reason = (result: ReturnType<typeof verifySlackSignature>) => (result.ok ? 'ok' : result.reason);
    assert.equal(reason(verifySlackSignature(DOC_SECRET, `${DOC_BODY}&x=1`, headers, at)), 'bad signature');
    assert.equal(reason(verifySlackSignature('another-secret', DOC_BODY, headers, at)), 'bad signature');
    const late = new Date(Number(DOC_TIMESTAMP) * 1000 + 301_000);
    assert.match(reason(verifySlackSignature(DOC_SECRET, DOC_BODY, headers, late)), /5 minutes/);
    const early = new Date(Number(DOC_TIMESTAMP) * 1000 - 301_000);
    assert.match(reason(verifySlackSignature(DOC_SECRET, DOC_BODY, headers, early)), /5 minutes/);
    assert.match(reason(verifySlackSignature(DOC_SECRET, DOC_BODY, {}, at)), /missing/);
    const truncated = { ...headers, 'X-Slack-Signature': DOC_SIGNATURE.slice(0, 20) };
    assert.equal(reason(verifySlackSignature(DOC_SECRET, DOC_BODY, truncated, at)), 'bad signature');
  });
});

describe('signed approve links', () => {
  const secret = 'a-link-secret-with-at-least-32-characters';
  const hash = 'ab'.repeat(32);
  const expires = new Date('2026-11-23T00:00:00Z');
  const link = new URL(approvalLink('https://agent.example.com/base/', secret, 42, hash, expires));
  it('points at the approval path under the public URL', () => {
    assert.equal(link.pathname, '/base/workloads/approvals/42');
    assert.equal(link.searchParams.get('hash'), hash.slice(0, 16));
  });
  it('verifies until expiry, for that id only, and refuses tampering', () => {
    const before = new Date('2026-11-22T12:00:00Z');
    assert.equal(verifyApprovalLink(secret, 42, link.searchParams, before).ok, true);
    assert.equal(verifyApprovalLink(secret, 43, link.searchParams, before).ok, false);
    assert.equal(verifyApprovalLink('x'.repeat(40), 42, link.searchParams, before).ok, false);
    const later = new URLSearchParams(link.searchParams);
    later.set('expires', String(Number(later.get('expires')) + 86400));
    assert.deepEqual(verifyApprovalLink(secret, 42, later, before), { ok: false, reason: 'bad link signature' });
    assert.deepEqual(verifyApprovalLink(secret, 42, link.searchParams, new Date('2026-11-23T00:00:01Z')), {
      ok: false,
      reason: 'the approve link has expired',
    });
    assert.deepEqual(verifyApprovalLink(secret, 42, new URLSearchParams('hash=zz'), before), {
      ok: false,
      reason: 'malformed approve link',
    });
  });
});
