import { readFileSync } from 'node:fs';
import { execSection } from '../../config/sections/exec.ts';
import { createCommandClassifier } from '../command-classifier.ts';
import { commandPolicyFrom } from '../command-policy.ts';
import type { Decision } from '../danger-level.ts';

/** The cases of an upstream corpus in __fixtures__/ (one JSON object a line, blank lines skipped). */
export function fixtureCases<T>(name: string): T[] {
  return readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The classifier of the default `exec:` policy, in the working directory the corpus tests assume. */
export function defaultClassifier() {
  return createCommandClassifier(commandPolicyFrom(execSection.parse({})), '/srv/project');
}

/** An upstream case: its command, upstream's verdict, and, where we decide otherwise on purpose, our decision. */
export interface UpstreamCase<V extends string> {
  command: string;
  upstream: V;
  ours?: { decision: string };
}

/**
 * Each case classified: how many of each verdict agree with upstream (`agrees`), and every case that neither agrees
 * nor is the documented difference its fixture records (`ours`), described by `describe` for the failure message.
 */
export function compareWithUpstream<V extends string, C extends UpstreamCase<V>>(
  classifier: Awaited<ReturnType<typeof defaultClassifier>>,
  cases: readonly C[],
  verdicts: readonly V[],
  agrees: (verdict: V, decision: Decision) => boolean,
  describe: (entry: C) => string,
): { failures: string[]; agreed: Record<V, number> } {
  const agreed = Object.fromEntries(verdicts.map((verdict) => [verdict, 0])) as Record<V, number>;
  const failures: string[] = [];
  for (const entry of cases) {
    const result = classifier.classify(entry.command);
    const agreement = agrees(entry.upstream, result.decision);
    if (agreement) agreed[entry.upstream]++;
    if (entry.ours ? result.decision !== entry.ours.decision : !agreement)
      failures.push(
        `${JSON.stringify(entry.command)}: ${describe(entry)}, ours ${result.decision} (${result.level}, ${result.rule})` +
          (entry.ours ? `, fixture expects ${entry.ours.decision}` : ''),
      );
  }
  return { failures, agreed };
}
