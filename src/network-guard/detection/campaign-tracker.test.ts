import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CampaignTracker, campaignPrefix, type MemberProbes } from './campaign-tracker.ts';

test('campaignPrefix: an IPv4 /24 or an IPv6 /48, whatever shape the client key has', () => {
  const cases: Array<[string, string]> = [
    ['198.51.100.7', '198.51.100.0/24'],
    ['0.0.0.1', '0.0.0.0/24'],
    ['255.255.255.255', '255.255.255.0/24'],
    ['10.1.2.3/32', '10.1.2.0/24'],
    ['01.2.3.4', '01.2.3.0/24'], // not canonical: its text, as before
    ['1.2.3', '1.2.3.0/24'],
    ['2001:db8:1:2::/64', '2001:db8:1::/48'],
    ['2001:db8:abcd:12::7', '2001:db8:abcd::/48'],
  ];
  for (const [key, expected] of cases) assert.equal(campaignPrefix(key), expected, key);
});

function member(key: string, path: string, time: number): MemberProbes {
  return { key, paths: [path], failures: 1, requests: 1, agent: 'curl/8', firstSeen: time, lastSeen: time };
}

test('one probe each from five addresses of a /24 is one campaign, labelled with its /24; lone networks are not', () => {
  const tracker = new CampaignTracker(
    { enabled: true, min_members: 5, max_tracked: 1000 },
    { slow_window: 3600, distinct_sensitive_paths: 5, min_sensitive_failures: 5 },
  );
  const paths = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/config.json.bak'];
  for (const [index, path] of paths.entries()) tracker.observe(member(`203.0.113.${index + 1}`, path, 1000 + index));
  for (let index = 0; index < 200; index++) tracker.observe(member(`10.${index}.7.1`, '/.env', 2000 + index));
  const findings = tracker.findings(5000, 'test');
  assert.deepEqual(
    findings.map((finding) => finding.ip),
    ['203.0.113.0/24'],
  );
  const campaign = findings[0].evidence.extra?.campaign as { memberCount: number } | undefined;
  assert.equal(campaign?.memberCount, 5);
});
