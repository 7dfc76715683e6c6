import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets } from '../../core/redact.ts';

// The rules added for the LLM guardrails in src/core/redact.ts (personal data on top of secrets).
describe('redactSecrets: personal data', () => {
  it('removes cookies, personal query parameters and card numbers', () => {
    assert.equal(redactSecrets('Cookie: session=abc; theme=dark'), 'Cookie: [REDACTED]');
    assert.equal(redactSecrets('GET /login?username=bob&next=/home'), 'GET /login?username=[REDACTED]&next=/home');
    assert.equal(redactSecrets('GET /r?phone=+33612345678'), 'GET /r?phone=[REDACTED]');
    assert.equal(redactSecrets('paid with 4111 1111 1111 1111'), 'paid with [REDACTED:card]');
  });

  it('keeps digit runs that are not card numbers (timestamps, counters)', () => {
    assert.equal(redactSecrets('ts=1732252800000 bytes=5120'), 'ts=1732252800000 bytes=5120');
  });

  it('still removes the secrets it always did', () => {
    const text = 'Authorization: Bearer abcdefghijklmnop mail carol@example.com key AKIAIOSFODNN7EXAMPLE';
    const redacted = redactSecrets(text);
    assert.ok(!redacted.includes('abcdefghijklmnop'));
    assert.ok(!redacted.includes('carol@example.com'));
    assert.ok(!redacted.includes('AKIAIOSFODNN7EXAMPLE'));
  });
});
