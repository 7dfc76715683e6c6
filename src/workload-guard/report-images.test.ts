import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { operatorImage, sameImage } from './report-images.ts';

// The Trivy Operator's own table of pod images and the registry and artifact it writes for each (TestParseImageRef),
// and the shapes its issues #3049 and #2411 show from real clusters; see __fixtures__/trivy-goldens/README.md.
interface OperatorCase {
  name: string;
  imageRef: string;
  server: string;
  artifact: { repository: string; tag: string; digest: string };
  from: string;
}

const { cases } = JSON.parse(
  readFileSync(new URL('./__fixtures__/trivy-operator/parse-image-ref.json', import.meta.url), 'utf8'),
) as { cases: OperatorCase[] };

describe("the Operator's image references", () => {
  it('pair every pod image with its own report and with no other', () => {
    assert.ok(cases.length >= 12);
    const pairs: string[] = [];
    for (const pod of cases) {
      for (const report of cases) {
        const image = operatorImage(report.artifact, report.server);
        const paired = !('refusal' in image) && sameImage(pod.imageRef, image.image);
        if (paired !== (pod === report))
          pairs.push(`${pod.imageRef} ${paired ? 'paired with' : 'not paired with'} ${report.name}`);
      }
    }
    assert.deepEqual(pairs, []);
  });
  it('read the tag the pod spec wrote', () => {
    const tags = cases.map((entry) => {
      const image = operatorImage(entry.artifact, entry.server);
      return 'refusal' in image ? image.refusal : (image.tag ?? '');
    });
    assert.deepEqual(tags.slice(-3), ['4.8', '13.2.0', '']);
  });
});
