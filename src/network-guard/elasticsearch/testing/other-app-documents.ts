import { readFileSync } from 'node:fs';
import { type TestRequest, toDocument } from './traefik-documents.ts';

type Document = Record<string, unknown>;

/** The `documents` of a fixture file under `__fixtures__/` (`beats-traefik/elastic-agent-json.json`). */
export function fixture(name: string): Document[] {
  const url = new URL(`../__fixtures__/${name}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { documents: Document[] }).documents;
}

/** Filebeat's nginx and apache modules' own pipeline test output (`__fixtures__/other-apps/`). */
export const otherAppDocuments = {
  nginx: () => fixture('other-apps/filebeat-nginx-access.json'),
  apache: () => fixture('other-apps/filebeat-apache-access.json'),
};

/** Filebeat's traefik module's own pipeline test output (`__fixtures__/beats-traefik/filebeat-clf.json`). */
export const filebeatTraefikDocuments = () => fixture('beats-traefik/filebeat-clf.json');

/**
 * The documents moved into a test window (one every `stepMs` from `start`): their `@timestamp` is the only change, so a
 * detection cycle over that window reads them.
 */
export function retimed(documents: readonly Document[], start: number, stepMs: number): Document[] {
  return documents.map((document, index) => ({
    ...document,
    '@timestamp': new Date(start + index * stepMs).toISOString(),
  }));
}

/**
 * DERIVED, not upstream output: a request as Filebeat's nginx module writes it (the key set of
 * `filebeat-nginx-access.json`, dotted keys), for an application behind nginx that is probed. Filebeat's traefik
 * layout (`toDocument(..., 'filebeat')`) is the Traefik side of the same index.
 */
export function nginxDocument(request: TestRequest): Document {
  const { path } = request;
  const query = path.indexOf('?');
  return {
    '@timestamp': new Date(request.time).toISOString(),
    'event.dataset': 'nginx.access',
    'event.module': 'nginx',
    'fileset.name': 'access',
    'service.type': 'nginx',
    'http.request.method': request.method ?? 'GET',
    'http.response.body.bytes': request.size ?? 571,
    'http.response.status_code': request.status,
    'source.address': request.ip,
    'source.ip': request.ip,
    'url.original': path,
    'url.path': query < 0 ? path : path.slice(0, query),
    'user_agent.original': request.userAgent,
  };
}

/** Traefik's requests as Filebeat's traefik module writes them, with its `service.type` (every module sets it). */
export function filebeatTraefikDocument(request: TestRequest): Document {
  return { ...toDocument(request, 'filebeat'), 'service.type': 'traefik' };
}
