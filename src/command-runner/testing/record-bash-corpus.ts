import { rmSync, writeFileSync } from 'node:fs';
import { RECORDED_FIXTURE, recordedSnippets, storedRecording } from './bash-ground-truth.ts';
import { buildRecorderTemplate, canRecordBash, recordBash } from './bash-recorder.ts';
import { DANGER_RULE_SNIPPETS, DANGER_RULE_SOURCE } from './danger-rule-snippets.ts';

/**
 * Re-records `__fixtures__/bash-ground-truth/recorded.jsonl` in place (needs bash, unshare, chroot), with the
 * snippets of danger-rule-snippets.ts appended (replacing their earlier recordings, in that file's order).
 */
if (!canRecordBash()) throw new Error('needs bash, unshare with user namespaces and chroot');
const template = buildRecorderTemplate();
try {
  const upstream = recordedSnippets().filter((entry) => entry.source !== DANGER_RULE_SOURCE);
  const seen = new Set(upstream.map((entry) => entry.snippet));
  const ours = DANGER_RULE_SNIPPETS.filter((snippet) => !seen.has(snippet)).map((snippet) => ({
    snippet,
    source: DANGER_RULE_SOURCE,
  }));
  const lines = [...upstream, ...ours].map(({ snippet, source }) =>
    JSON.stringify({ snippet, source, bash: storedRecording(recordBash(template, snippet)) }),
  );
  writeFileSync(RECORDED_FIXTURE, `${lines.join('\n')}\n`);
  console.log(`recorded ${lines.length} snippets`);
} finally {
  rmSync(template, { recursive: true, force: true });
}
