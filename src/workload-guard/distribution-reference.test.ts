import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseImageReference, repositoryKey } from './image-reference.ts';

// distribution/reference's own labelled cases (and the older docker/distribution `reference/` copy), see
// __fixtures__/distribution-reference/README.md for the upstream files and commits.
interface ReferenceCase {
  input: string;
  valid: boolean;
  /** Docker's registry (ParseNormalizedNamed's Domain) and repository path, when the upstream test states them. */
  registry?: string;
  path?: string;
  /** null: the test says there is none. */
  tag?: string | null;
  digest?: string | null;
  from: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/distribution-reference/reference-cases.json', import.meta.url), 'utf8'),
) as { cases: ReferenceCase[] };

/** Where we read a case otherwise than its upstream test, and why. */
const DIFFERENCES: Record<string, string> = {
  [`validname@sha512:${'f'.repeat(128)}`]:
    'upstream calls sha512 unsupported only because its test does not register crypto/sha512; the OCI image spec ' +
    'registers it, and the v2.8.1 copy accepts a sha512 digest',
};

function disagreement(entry: ReferenceCase): string | undefined {
  const reference = parseImageReference(entry.input);
  if (Boolean(reference) !== entry.valid) return `read as ${reference ? 'valid' : 'invalid'}`;
  if (!reference) return undefined;
  if (entry.registry !== undefined) {
    const expected = `${entry.registry === 'index.docker.io' ? 'docker.io' : entry.registry}/${entry.path}`;
    if (repositoryKey(reference) !== expected) return `repository ${repositoryKey(reference)}, not ${expected}`;
  } else if (entry.path !== undefined && reference.repository !== entry.path) {
    return `path ${reference.repository}, not ${entry.path}`;
  }
  if (entry.tag !== undefined && (reference.tag ?? null) !== entry.tag) return `tag ${reference.tag}`;
  if (entry.digest !== undefined && (reference.digest ?? null) !== entry.digest) return `digest ${reference.digest}`;
  return undefined;
}

describe("distribution/reference's labelled image references", () => {
  it('reads every case as Docker does (but the differences named with their reason)', () => {
    assert.ok(fixture.cases.length > 250);
    const wrong = fixture.cases
      .filter((entry) => !(entry.input in DIFFERENCES))
      .flatMap((entry) => {
        const problem = disagreement(entry);
        return problem ? [`${entry.input.slice(0, 80)} (${entry.from}): ${problem}`] : [];
      });
    assert.deepEqual(wrong, []);
  });
  it('still differs where DIFFERENCES says it does', () => {
    for (const input of Object.keys(DIFFERENCES)) {
      const entry = fixture.cases.find((candidate) => candidate.input === input);
      assert.ok(entry, input);
      assert.ok(disagreement(entry), input);
    }
  });
});
