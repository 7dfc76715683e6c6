import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DangerLevel, levelRank } from './danger-level.ts';
import { defaultClassifier, fixtureCases } from './testing/upstream-cases.ts';

/**
 * Example commands of tldr-pages (see __fixtures__/README.md), labelled by what tldr's own description says they do:
 * a `read` must run without approval (SAFE or LOW), a `change` must be held (MEDIUM or more), a `destroy` must be
 * HIGH or CRITICAL. Only a stricter reading may be written down (`ours`, on a `read`): a change or a destruction let
 * through below its level is a classifier gap, never an exception.
 */
interface TldrCase {
  page: string;
  description: string;
  example: string;
  command: string;
  spelling?: 'short' | 'long';
  label: 'read' | 'change' | 'destroy';
  source: string;
  ours?: { level: DangerLevel; why: string };
}

const cases = fixtureCases<TldrCase>('tldr-admin-commands.jsonl');
const classifier = await defaultClassifier();
const labels = ['read', 'change', 'destroy'] as const;
const count = (label: TldrCase['label']) => cases.filter((entry) => entry.label === label).length;

function agrees(label: TldrCase['label'], level: DangerLevel): boolean {
  if (label === 'read') return levelRank(level) <= levelRank('LOW');
  return levelRank(level) >= levelRank(label === 'change' ? 'MEDIUM' : 'HIGH');
}

test('tldr cases: the fixture covers 40 pages and every label, and only a stricter reading is excused', () => {
  assert.ok(new Set(cases.map((entry) => entry.page)).size >= 40);
  assert.ok(count('read') >= 100 && count('change') >= 200 && count('destroy') >= 40);
  for (const entry of cases) {
    assert.match(entry.source, /^pages\/(common|linux)\/[\w-]+\.md@[0-9a-f]{8}$/);
    assert.equal(entry.source.split('@')[0], `pages/${entry.page}.md`);
    assert.ok(entry.example.includes('{{') || entry.example === entry.command, entry.command);
    if (!entry.ours) continue;
    assert.equal(entry.label, 'read', `${JSON.stringify(entry.command)}: a change may not be excused`);
    assert.ok(entry.ours.why.length > 20, `${JSON.stringify(entry.command)}: a difference needs its reason`);
    assert.ok(!agrees(entry.label, entry.ours.level), `${JSON.stringify(entry.command)}: records a difference`);
  }
});

test('tldr cases: reads run, changes are held, destruction is HIGH or CRITICAL, unless the fixture says why', (t) => {
  const agreed = Object.fromEntries(labels.map((label) => [label, 0]));
  const failures: string[] = [];
  for (const entry of cases) {
    const result = classifier.classify(entry.command);
    const agreement = agrees(entry.label, result.level);
    if (agreement) agreed[entry.label]++;
    if (entry.ours ? result.level !== entry.ours.level : !agreement)
      failures.push(
        `${JSON.stringify(entry.command)} (${entry.page}: ${entry.description}): ${entry.label}, ours ${result.level} (${result.rule})` +
          (entry.ours ? `, fixture expects ${entry.ours.level}` : ''),
      );
  }
  t.diagnostic(labels.map((label) => `${label} ${agreed[label]}/${count(label)}`).join(', '));
  assert.deepEqual(failures, []);
});
