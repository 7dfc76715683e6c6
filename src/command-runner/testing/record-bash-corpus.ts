import { rmSync, writeFileSync } from 'node:fs';
import { RECORDED_FIXTURE, recordedSnippets, storedRecording } from './bash-ground-truth.ts';
import { buildRecorderTemplate, canRecordBash, recordBash } from './bash-recorder.ts';

/** Re-records `__fixtures__/bash-ground-truth/recorded.jsonl` in place (needs bash, unshare, chroot). */
if (!canRecordBash()) throw new Error('needs bash, unshare with user namespaces and chroot');
const template = buildRecorderTemplate();
try {
  const lines = recordedSnippets().map(({ snippet, source }) =>
    JSON.stringify({ snippet, source, bash: storedRecording(recordBash(template, snippet)) }),
  );
  writeFileSync(RECORDED_FIXTURE, `${lines.join('\n')}\n`);
  console.log(`recorded ${lines.length} snippets`);
} finally {
  rmSync(template, { recursive: true, force: true });
}
