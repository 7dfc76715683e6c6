import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempConfig } from '../../config/testing/temp-config.ts';
import { generateRealSiteTraffic, siteRequestLine } from '../../network-guard/sample-traffic/real-site-traffic.ts';
import { runCliInProcess } from '../testing/run-cli.ts';

test('scan learns the site, `site paths` shows it from SQLite, `incidents show` explains what was suppressed', async () => {
  const { directory, config } = tempConfig('cli-site-', () => ({
    mode: 'review',
    blocking: { blocker: 'none' },
    detection: { crawlers: { verify: false }, always_sensitive: ['/.env'] },
  }));
  const log = join(directory, 'access.log');
  const traffic = generateRealSiteTraffic(Date.parse('2026-11-23T09:00:00Z'));
  writeFileSync(log, `${traffic.requests.map(siteRequestLine).join('\n')}\n`);
  const scan = await runCliInProcess(['scan', '--log-file', log, '--config', config, '--format', 'json'], {});
  assert.equal(scan.code, 0, scan.stderr);
  const paths = await runCliInProcess(
    ['site', 'paths', '--config', config, '--host', 'shop.example', '--format', 'json'],
    {},
  );
  assert.equal(paths.code, 0, paths.stderr);
  const profile = JSON.parse(paths.stdout) as {
    paths: Array<{ path: string; public: boolean }>;
    fallbackSizes: unknown[];
    overrides: { always_sensitive: string[] };
  };
  assert.ok(profile.paths.some((row) => row.path === '/config.js' && row.public));
  assert.equal(profile.fallbackSizes.length, 1);
  assert.deepEqual(profile.overrides.always_sensitive, ['/.env']);
  const table = await runCliInProcess(['site', 'paths', '--config', config, '--public'], {});
  assert.match(table.stdout, /shop\.example\s+\/config\.js\s+10\+/);
  const incidents = JSON.parse(scan.stdout) as { incidents: Array<{ id: number; ip: string }> };
  const spa = incidents.incidents.find((incident) => incident.ip === '203.0.113.45')!;
  const show = await runCliInProcess(['incidents', 'show', String(spa.id), '--config', config], {});
  assert.match(show.stdout, /Reasons \(rules that fired\):/);
  assert.match(show.stdout, /not a leak: .*fallback page/);
  const campaign = incidents.incidents.find((incident) => incident.ip === '198.18.7.0/24')!;
  const members = await runCliInProcess(['incidents', 'show', String(campaign.id), '--config', config], {});
  assert.match(members.stdout, /Campaign \(prefix\): \d+ members\n {2}198\.18\.7\./);
});
