import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { type Agreement, compareWithBash, recordedSnippets, storedRecording } from './testing/bash-ground-truth.ts';
import { buildRecorderTemplate, canRecordBash, recordBash } from './testing/bash-recorder.ts';
import { defaultClassifier } from './testing/upstream-cases.ts';

/**
 * Our parse against the real bash (see __fixtures__/bash-ground-truth/README.md): for each corpus snippet, the
 * programs bash executed in a sandbox where every program is a recorder, against the programs our classifier
 * believes the command runs. A program bash runs that we did not see is a gap unless the command is denied.
 */
const cases = recordedSnippets();
const classifier = await defaultClassifier();

/** Snippets where bash runs a program we do not see and the command is not denied, each with the reason it stays. */
const KNOWN_GAPS: Record<string, string> = {
  'time -a':
    "bash's reserved word runs a program named -a; we read /usr/bin/time (stricter for its -o/--output writes), left as is",
};

test('bash ground truth: the corpus holds upstream snippets and the recordings', () => {
  assert.ok(cases.length >= 1500, `${cases.length} snippets`);
  const from = (prefix: string) => cases.filter((entry) => entry.source.startsWith(prefix)).length;
  assert.ok(from('tree-sitter-bash') >= 90, `tree-sitter-bash ${from('tree-sitter-bash')}`);
  assert.ok(from('mvdan/sh') >= 600, `mvdan/sh ${from('mvdan/sh')}`);
  assert.ok(from('__fixtures__/') >= 800, `our other corpora ${from('__fixtures__/')}`);
  assert.ok(cases.filter((entry) => entry.bash.executed.length > 0).length >= 600, 'bash ran programs for most');
});

test('bash ground truth: every program bash runs is one we see, or the command is denied', (t) => {
  const counts: Record<Agreement, number> = { agree: 0, 'ours-extra': 0, refused: 0, 'ours-misses': 0 };
  const gaps: string[] = [];
  for (const entry of cases) {
    const ours = classifier.classify(entry.snippet);
    const { agreement, missing } = compareWithBash(entry.bash, ours);
    counts[agreement]++;
    if (agreement === 'ours-misses' && !Object.hasOwn(KNOWN_GAPS, entry.snippet))
      gaps.push(
        `${JSON.stringify(entry.snippet)} (${entry.source}): bash runs ${missing.join(', ')}; ours ${ours.decision} (${ours.level}, ${ours.rule})`,
      );
  }
  t.diagnostic(JSON.stringify(counts));
  assert.deepEqual(gaps, []);
  for (const snippet of Object.keys(KNOWN_GAPS))
    assert.ok(
      cases.some((entry) => entry.snippet === snippet),
      `known gap ${JSON.stringify(snippet)} is in the corpus`,
    );
});

test('bash ground truth: a re-recording with the real bash matches the fixture', {
  skip: !canRecordBash() && 'needs bash, unshare and chroot',
}, () => {
  const template = buildRecorderTemplate();
  try {
    // Every 20th snippet that finished in time: the whole corpus takes minutes (testing/record-bash-corpus.ts).
    const sample = cases.filter((entry, index) => index % 20 === 0 && !entry.bash.timedOut);
    const asSets = (recording: (typeof cases)[number]['bash']) => ({
      executed: recording.executed.map((argv) => JSON.stringify(argv)).sort(),
      notFound: [...recording.notFound].sort(),
    });
    for (const entry of sample)
      assert.deepEqual(asSets(storedRecording(recordBash(template, entry.snippet))), asSets(entry.bash), entry.snippet);
  } finally {
    rmSync(template, { recursive: true, force: true });
  }
});
