import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { replayFile } from '../traefik-log/replay-file.ts';
import { SecretsScanningDetector } from './secrets-scanning-detector.ts';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'crowdsec-hub');

/** Our findings on one of CrowdSec's test logs: `ip threat` pairs, sorted. */
async function findingsOf(name: string): Promise<string[]> {
  const detector = new SecretsScanningDetector(defaultConfig().detection, { source: 'test' });
  for await (const batch of replayFile(join(FIXTURES, `${name}.log`)))
    for (const event of batch.events) detector.observe(event);
  return detector
    .drainFindings(true)
    .map((finding) => `${finding.ip} ${finding.threatType}`)
    .sort();
}

test("CrowdSec's sensitive-file, path-traversal and leak test logs: the sources it alerts on are ours too", async () => {
  const cases: Record<string, string[]> = {
    // http-sensitive-files: dotfiles, history and rc files, VCS directories
    'nginx-http-sensitive-files': ['127.0.0.1 secrets_scanning'],
    'litespeed-http-sensitive-files': ['192.168.9.163 secrets_scanning'],
    // http-path-traversal-probing: encoded and double-encoded traversals, win.ini
    'nginx-http-path-traversal': ['127.0.0.1 secrets_scanning'],
    // one request each, climbing out of the web root to /etc/passwd (answered 400)
    'grafana_cve-2021-43798': ['192.168.1.2 secrets_scanning', '192.168.1.3 secrets_scanning'],
    // the same, answered 200 with content: the file was read
    'pulse-secure-sslvpn-cve-2019-11510': [
      '192.168.1.2 secret_exposure',
      '192.168.1.2 secrets_scanning',
      '192.168.1.3 secret_exposure',
      '192.168.1.3 secrets_scanning',
    ],
    // a traversal in the query (`/remote/fgt_lang?lang=/../../..//////////dev/cmdb/sslvpn_websession`) answered 200
    'fortinet-cve-2018-13379': ['192.168.1.3 secret_exposure', '192.168.1.3 secrets_scanning'],
    // a phpinfo() page answered 200 (4.5.6.7); one 404 from 1.2.3.4 is one probe, under every threshold
    'cve-2023-49103': ['4.5.6.7 secret_exposure'],
    // a Nikto run through Traefik (JSON)
    'traefik_base-http-scenario': ['172.17.0.1 secrets_scanning'],
  };
  for (const [name, expected] of Object.entries(cases)) assert.deepEqual(await findingsOf(name), expected, name);
});

test('the ordinary traffic of the applications CrowdSec whitelists, and its Traefik parser tests, open nothing', async () => {
  for (const name of [
    'actual-budget-whitelist', // the browser client fetches /data/migrations/*.sql, answered 200 and 304
    'nextcloud-whitelist',
    'jellyfin-whitelist',
    'jellyseerr-whitelist',
    'overseerr-whitelist',
    'calibre-web-whitelist',
    'rocketchat-whitelist',
    'nginx_http-logs',
    'traefik_json',
    'traefik_clf',
  ])
    assert.deepEqual(await findingsOf(name), [], name);
});
