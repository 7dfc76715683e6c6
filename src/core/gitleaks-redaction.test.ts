import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { redactSecrets } from './redact.ts';

/**
 * gitleaks' own rule test cases (see __fixtures__/README.md): every true positive's secret must be gone after
 * redactSecrets; a false positive we redact anyway is counted, not failed (a false redaction costs a little context).
 * `known` records today's differences so the counts stay honest: a fixed miss must drop its mark.
 */
type GitleaksCase = {
  rule: string;
  kind: 'positive' | 'negative';
  text: string;
  secrets?: string[];
  source: string;
  sample?: string;
  known?: 'missed' | 'over-redacted';
  /** why a miss is left as it is */
  why?: string;
};

const cases: GitleaksCase[] = readFileSync(new URL('./__fixtures__/gitleaks-cases.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line));

function survivingSecrets(item: GitleaksCase): string[] {
  const redacted = redactSecrets(item.text);
  return (item.secrets ?? []).filter((secret) => redacted.includes(secret));
}

test('gitleaks true positives: the secret does not survive redaction', (context) => {
  const positives = cases.filter((item) => item.kind === 'positive');
  const missed = positives.filter((item) => survivingSecrets(item).length > 0);
  context.diagnostic(`caught ${positives.length - missed.length} of ${positives.length} gitleaks true positives`);
  for (const item of positives) {
    const left = survivingSecrets(item);
    if (item.known === 'missed') {
      assert.ok(left.length > 0, `${item.rule} is caught now: drop its known mark\n${item.text}`);
      assert.ok(item.why, `${item.rule}: a miss left as it is says why\n${item.text}`);
    } else assert.deepEqual(left, [], `${item.rule} leaked\n${item.text}\n=> ${redactSecrets(item.text)}`);
  }
});

test('gitleaks false positives: over-redaction is counted, ordinary log text survives', (context) => {
  const negatives = cases.filter((item) => item.kind === 'negative');
  const over = negatives.filter((item) => redactSecrets(item.text) !== item.text);
  context.diagnostic(`over-redacted ${over.length} of ${negatives.length} gitleaks false positives and ordinary lines`);
  for (const item of negatives) {
    const changed = redactSecrets(item.text) !== item.text;
    if (item.source === 'ours') assert.equal(changed, false, `ordinary log text was redacted: ${item.text}`);
    else
      assert.equal(
        changed,
        item.known === 'over-redacted',
        `${item.rule} over-redaction changed: update its mark\n${item.text}`,
      );
  }
});

test('every case names its rule, its source and, for a positive, its secret', () => {
  for (const item of cases) {
    assert.ok(item.rule && item.source && item.text, JSON.stringify(item));
    if (item.kind === 'positive') {
      assert.ok(item.secrets && item.secrets.length > 0, `${item.rule} has no secret`);
      for (const secret of item.secrets) assert.ok(item.text.includes(secret), `${item.rule}: secret not in its text`);
    }
  }
});
