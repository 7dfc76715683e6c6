// Records real `_field_caps` answers for the profile tests: `node src/network-guard/elasticsearch/testing/record-field-caps.ts <es-url>`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldCapsRequest } from '../field-profile.ts';
import { deleteIndex, indexRequests } from './traefik-documents.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: record-field-caps.ts <elasticsearch url>');
const fixtures = join(import.meta.dirname, '..', '__fixtures__');
const request = {
  time: Date.parse('2026-11-22T03:00:00Z'),
  ip: '203.0.113.5',
  path: '/.env',
  status: 403,
  userAgent: 'nuclei',
};
const fields = fieldCapsRequest({ fields: {} });
const info = (await (await fetch(`${url}/_nodes/_local?filter_path=nodes.*.version`)).json()) as {
  nodes: Record<string, { version: string }>;
};
const version = Object.values(info.nodes)[0].version;
const layouts = [
  { name: 'traefik-json', profile: 'traefik-json' },
  { name: 'traefik-json-nested', profile: 'traefik-json', nest: 'json' },
  { name: 'elastic-agent', profile: 'elastic-agent' },
  { name: 'filebeat', profile: 'filebeat' },
] as const;
for (const layout of layouts) {
  const index = `record-field-caps-${layout.name}`;
  await deleteIndex(url, index);
  await indexRequests(url, index, layout.profile, [request], 5000, 'nest' in layout ? layout.nest : undefined);
  const response = await fetch(`${url}/${index}/_field_caps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fields }),
  });
  const body = await response.json();
  writeFileSync(
    join(fixtures, `field-caps-${layout.name}.json`),
    `${JSON.stringify({ recordedFrom: `Elasticsearch ${version}`, ...body }, null, 2)}\n`,
  );
  await deleteIndex(url, index);
}
// A text-only path (no keyword subfield) and no user agent: what a hand-made mapping gets wrong.
const index = 'record-field-caps-text-only';
await deleteIndex(url, index);
await fetch(`${url}/${index}`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    mappings: {
      properties: {
        StartUTC: { type: 'date' },
        ClientHost: { type: 'keyword' },
        RequestPath: { type: 'text' },
        DownstreamStatus: { type: 'long' },
      },
    },
  }),
});
const response = await fetch(`${url}/${index}/_field_caps`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ fields }),
});
writeFileSync(
  join(fixtures, 'field-caps-text-only.json'),
  `${JSON.stringify({ recordedFrom: `Elasticsearch ${version}`, ...(await response.json()) }, null, 2)}\n`,
);
await deleteIndex(url, index);
