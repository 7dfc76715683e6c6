// Records the real `_field_caps` (every field) of each shipper shape for shipper-documents.test.ts:
// `node src/network-guard/elasticsearch/testing/record-shipper-field-caps.ts <elasticsearch url> <opensearch url>`.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FieldCaps, parseFieldCaps } from '../search-backend.ts';
import {
  realTraefikLines,
  SHIPPER_SHAPES,
  shipperDocument,
  shipperMapping,
  toJson,
  UNPARSED_SHAPES,
} from './shipper-documents.ts';

const [esUrl, openSearchUrl] = process.argv.slice(2);
if (!esUrl || !openSearchUrl)
  throw new Error('usage: record-shipper-field-caps.ts <elasticsearch url> <opensearch url>');
const fixture = join(import.meta.dirname, '..', '__fixtures__', 'shippers', 'field-caps.json');

async function json(url: string, method = 'GET', body?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function record(url: string, flavor: 'elasticsearch' | 'opensearch'): Promise<Record<string, FieldCaps>> {
  const caps: Record<string, FieldCaps> = {};
  for (const shape of [...SHIPPER_SHAPES, ...UNPARSED_SHAPES]) {
    const index = `s18-shippers-caps-${shape}`;
    await fetch(`${url}/${index}`, { method: 'DELETE' });
    const mappings = shipperMapping(shape, flavor);
    await json(`${url}/${index}`, 'PUT', JSON.stringify({ ...(mappings ? { mappings } : {}) }));
    const lines = realTraefikLines().flatMap((line) => [
      '{"index":{}}',
      toJson(shipperDocument(JSON.parse(line), line, shape)),
    ]);
    const bulk = await json(`${url}/${index}/_bulk?refresh=true`, 'POST', `${lines.join('\n')}\n`);
    if (bulk.errors) throw new Error(`bulk ${shape}: ${JSON.stringify(bulk).slice(0, 400)}`);
    const all = parseFieldCaps(await json(`${url}/${index}/_field_caps?fields=*`));
    caps[shape] = Object.fromEntries(Object.entries(all).filter(([field]) => !field.startsWith('_')));
    await fetch(`${url}/${index}`, { method: 'DELETE' });
  }
  return caps;
}

const esVersion = Object.values(
  (await json(`${esUrl}/_nodes/_local?filter_path=nodes.*.version`)).nodes as Record<string, { version: string }>,
)[0]!.version;
const openSearchVersion = ((await json(openSearchUrl)).version as { number: string }).number;
writeFileSync(
  fixture,
  `${JSON.stringify(
    {
      recordedFrom: { elasticsearch: `Elasticsearch ${esVersion}`, opensearch: `OpenSearch ${openSearchVersion}` },
      elasticsearch: await record(esUrl, 'elasticsearch'),
      opensearch: await record(openSearchUrl, 'opensearch'),
    },
    null,
    1,
  )}\n`,
);
