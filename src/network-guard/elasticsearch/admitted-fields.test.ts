import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admittedFields, explainAdmitted } from './admitted-fields.ts';
import { resolveFieldProfile } from './field-profile.ts';
import type { FieldCaps, SearchBody } from './search-backend.ts';
import { type Document, valueAt } from './testing/document-values.ts';
import { filebeatTraefikDocuments } from './testing/other-app-documents.ts';

const cap = (type: string, searchable = true) => [{ type, aggregatable: type !== 'text', searchable }];
/** The union mapping of a logstash-* index holding Filebeat's traefik module and Logstash's legacy grok of Apache. */
const CAPS: FieldCaps = {
  '@timestamp': cap('date'),
  'event.module': cap('keyword'),
  'fileset.name': cap('keyword'),
  'source.ip': cap('ip'),
  'source.address': cap('keyword'),
  'url.original': cap('text'),
  'url.original.keyword': cap('keyword'),
  'http.response.status_code': cap('long'),
  'user_agent.original': cap('keyword'),
  clientip: cap('text'),
  'clientip.keyword': cap('keyword'),
  request: cap('text'),
  'request.keyword': cap('keyword'),
  response: cap('keyword'),
  'traefik.access.frontend_name': cap('keyword', false),
};
const SETTINGS = { fields: {}, profile: 'auto' as const, index_pattern: 'logstash-*' };

/** Answers the one request as the cluster would for `documents` (the admitted ones): `exists` of each field. */
function backendOver(documents: Document[], requests: SearchBody[] = []) {
  return {
    search: async (_index: string, body: SearchBody) => {
      requests.push(body);
      const buckets: Record<string, { doc_count: number }> = {};
      for (const [key, filter] of Object.entries<SearchBody>(body.aggs.fields.filters.filters))
        buckets[key] = { doc_count: documents.filter((d) => valueAt(d, filter.exists.field) !== undefined).length };
      return {
        body: { hits: { total: { value: documents.length } }, aggregations: { fields: { buckets } } },
        bytes: 0,
        elapsedMs: 0,
      };
    },
  };
}

describe('admittedFields', () => {
  it('drops the fields only other documents fill, in one request, and the profile follows the admitted ones', async () => {
    const documents = filebeatTraefikDocuments();
    const requests: SearchBody[] = [];
    const admitted = await admittedFields(backendOver(documents, requests), 'logstash-*', CAPS);
    assert.equal(requests.length, 1);
    assert.equal(admitted.documents, documents.length);
    assert.deepEqual(admitted.othersOnly, ['clientip', 'request', 'response']);
    assert.ok(admitted.caps['traefik.access.frontend_name'], 'a field that is not searchable is kept');
    assert.ok(admitted.caps['url.original.keyword'], 'the keyword subfield of an admitted field is kept');
    assert.equal(resolveFieldProfile(CAPS, SETTINGS).name, 'logstash', 'the whole mapping: grok names decide');
    const profile = resolveFieldProfile(admitted.caps, SETTINGS);
    assert.equal(profile.name, 'filebeat');
    assert.deepEqual([profile.fields.client_ip, profile.fields.path], ['source.ip', 'url.original.keyword']);
    explainAdmitted(profile, admitted, CAPS, SETTINGS);
    assert.equal(
      profile.reason,
      "fileset.name, a Filebeat module, in the 7 documents elasticsearch.document_filter admits; the whole mapping would say logstash (Logstash grok's legacy names (clientip, request, response)), fields only other documents have",
    );
  });

  it('with no admitted document yet, keeps the whole mapping and says so', async () => {
    const admitted = await admittedFields(backendOver([]), 'logstash-*', CAPS);
    assert.equal(admitted.caps, CAPS);
    const profile = resolveFieldProfile(admitted.caps, SETTINGS);
    explainAdmitted(profile, admitted, CAPS, SETTINGS);
    assert.match(String(profile.reason), /in the whole mapping$/);
    assert.match(profile.warnings.at(-1)!, /admits no document of logstash-\* yet.*set elasticsearch\.profile/);
  });
});
