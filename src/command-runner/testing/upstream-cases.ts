import { readFileSync } from 'node:fs';
import { execSection } from '../../config/sections/exec.ts';
import { createCommandClassifier } from '../command-classifier.ts';
import { commandPolicyFrom } from '../command-policy.ts';

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
