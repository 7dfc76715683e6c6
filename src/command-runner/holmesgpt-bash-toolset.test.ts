import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from './danger-level.ts';
import { compareWithUpstream, defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * HolmesGPT's bash-toolset cases (see __fixtures__/README.md): a command it refuses as unsafe must never run without
 * an approval here, and may not be excused; one it runs as read-only must run here too, unless the fixture says why
 * we hold it (`ours`). `unlisted`: refused only by its narrow allowlist or value checks, not for danger: held unless
 * `ours` says why it only reads. `configured`: a `kubectl run` HolmesGPT starts only for operator-listed images.
 */
interface HolmesCase {
  command: string;
  upstream: 'read-only' | 'unsafe' | 'unlisted' | 'configured';
  source: string;
  note?: string;
  ours?: { decision: Decision; why: string };
}

const cases = fixtureCases<HolmesCase>('holmesgpt-bash-toolset.jsonl');

const classifier = await defaultClassifier();
const count = (verdict: HolmesCase['upstream']) => cases.filter((entry) => entry.upstream === verdict).length;

test('HolmesGPT cases: the fixture covers every verdict and names its sources and reasons', () => {
  assert.ok(count('read-only') >= 850, `read-only ${count('read-only')}`);
  assert.ok(count('unsafe') >= 340, `unsafe ${count('unsafe')}`);
  assert.ok(count('unlisted') >= 100, `unlisted ${count('unlisted')}`);
  for (const entry of cases) {
    assert.match(entry.source, /^test_[a-z0-9_]+\.py@[0-9a-f]{8}: /, `${entry.command} names its upstream test`);
    if (entry.ours) assert.ok(entry.ours.why.length > 20, `${entry.command}: a disagreement needs its reason`);
    if (entry.upstream === 'unlisted')
      assert.ok((entry.note ?? entry.ours?.why ?? '').length > 10, `${entry.command}: why it is no danger`);
  }
});

test('HolmesGPT unsafe commands never run without an approval, and none is excused', () => {
  for (const entry of cases.filter((item) => item.upstream === 'unsafe' || item.upstream === 'configured')) {
    assert.equal(entry.ours, undefined, `${entry.command}: an unsafe command may not be excused`);
    const result = classifier.classify(entry.command);
    assert.notEqual(result.decision, 'allow', `${entry.command} is ${result.level} (${result.rule})`);
  }
});

test('HolmesGPT read-only commands run without approval, unless the fixture says why we hold them', (t) => {
  const { failures, agreed } = compareWithUpstream(
    classifier,
    cases.filter(
      (item): item is HolmesCase & { upstream: 'read-only' | 'unlisted' } =>
        item.upstream === 'read-only' || item.upstream === 'unlisted',
    ),
    ['read-only', 'unlisted'],
    (verdict, decision) => (verdict === 'read-only' ? decision === 'allow' : decision !== 'allow'),
    (entry) => `upstream ${entry.upstream}`,
  );
  t.diagnostic(
    `read-only allowed ${agreed['read-only']}/${count('read-only')}, unsafe held ${count('unsafe')}/${count('unsafe')}, ` +
      `unlisted held ${agreed.unlisted}/${count('unlisted')}`,
  );
  assert.deepEqual(failures, []);
});
