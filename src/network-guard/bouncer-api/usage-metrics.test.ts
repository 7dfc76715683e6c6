import assert from 'node:assert/strict';
import { test } from 'node:test';
import { droppedSummary, parseUsageReport, type UsageComponent, withReport } from './usage-metrics.ts';

/** A window as crowdsec-firewall-bouncer 0.0.30 sends it (items per IP family and origin, nine hundred seconds). */
function firewallReport(dropped: number, active: number, now = 1726593109): string {
  return JSON.stringify({
    remediation_components: [
      {
        feature_flags: [],
        metrics: [
          {
            items: [
              {
                labels: { ip_type: 'ipv4', origin: 'devops-agent' },
                name: 'dropped',
                unit: 'byte',
                value: dropped * 60,
              },
              { labels: { ip_type: 'ipv4', origin: 'devops-agent' }, name: 'dropped', unit: 'packet', value: dropped },
              {
                labels: { ip_type: 'ipv4', origin: 'devops-agent' },
                name: 'active_decisions',
                unit: 'ip',
                value: active,
              },
              { labels: { ip_type: 'ipv4' }, name: 'processed', unit: 'packet', value: 748 },
              { labels: { ip_type: 'ipv6' }, name: 'processed', unit: 'packet', value: 0 },
            ],
            meta: { utc_now_timestamp: now, window_size_seconds: 900 },
          },
        ],
        os: { name: 'Debian GNU/Linux', version: '12' },
        utc_startup_timestamp: 1726584109,
        version: 'v0.0.30-debian-pragmatic-amd64',
        type: 'crowdsec-firewall-bouncer',
      },
    ],
  });
}

function parsed(body: string): UsageComponent {
  const report = parseUsageReport(body);
  assert.ok(report.ok, JSON.stringify(report));
  return report.component;
}

test('usage reports: counters add up window after window, a gauge keeps its last value', () => {
  const first = withReport(null, parsed(firewallReport(12, 3)));
  const second = withReport(first, parsed(firewallReport(30, 1, 1726594009)));
  assert.equal(second.version, 'v0.0.30-debian-pragmatic-amd64');
  assert.equal(second.type, 'crowdsec-firewall-bouncer');
  assert.equal(second.os, 'Debian GNU/Linux 12');
  assert.equal(second.startedAt, '2024-09-17T14:41:49.000Z');
  assert.equal(second.reports, 2);
  const value = (name: string, unit: string) =>
    second.series.filter((entry) => entry.name === name && entry.unit === unit).reduce((sum, e) => sum + e.value, 0);
  assert.equal(value('dropped', 'packet'), 42);
  assert.equal(value('dropped', 'byte'), 2520);
  assert.equal(value('processed', 'packet'), 1496);
  assert.equal(value('active_decisions', 'ip'), 1, 'active decisions is a level, not a count');
  assert.equal(droppedSummary(second), '2,520 byte, 42 packet');
  assert.equal(droppedSummary(null), '-');
});

test('the Traefik bouncer plugin report (one dropped counter, no OS details) is read as well', () => {
  const body = JSON.stringify({
    remediation_components: [
      {
        version: 'v1.4.2',
        type: 'bouncer',
        name: 'traefik_plugin',
        metrics: [
          {
            items: [{ name: 'dropped', value: 7, unit: 'request', labels: { type: 'traefik_plugin' } }],
            meta: { window_size_seconds: 600, utc_now_timestamp: 1764000600 },
          },
        ],
        utc_startup_timestamp: 1764000000,
        feature_flags: [],
        os: { name: 'unknown', version: 'unknown' },
      },
    ],
  });
  const usage = withReport(null, parsed(body));
  assert.equal(usage.name, 'traefik_plugin');
  assert.equal(droppedSummary(usage), '7 request');
});

test('bad reports get the Local API answers: 400 for the wrong JSON type or no component, 422 for a missing field', () => {
  assert.deepEqual(parseUsageReport(JSON.stringify({ remediation_components: [{ version: 'v1.0' }] })), {
    ok: false,
    status: 422,
    message: 'validation failure list:\nremediation_components.0.utc_startup_timestamp in body is required',
  });
  const stringStamp = { remediation_components: [{ version: 'v1.0', utc_startup_timestamp: '2021-09-01T00:00:00Z' }] };
  assert.deepEqual(parseUsageReport(JSON.stringify(stringStamp)), {
    ok: false,
    status: 400,
    message:
      'json: cannot unmarshal string into Go struct field AllMetrics.remediation_components.utc_startup_timestamp of type int64',
  });
  assert.deepEqual(parseUsageReport(JSON.stringify({ remediation_components: [], log_processors: [] })), {
    ok: false,
    status: 400,
    message: 'Missing remediation component data',
  });
  const two = {
    remediation_components: [
      { version: 'a', utc_startup_timestamp: 1 },
      { version: 'b', utc_startup_timestamp: 1 },
    ],
  };
  assert.equal(
    (parseUsageReport(JSON.stringify(two)) as { message: string }).message,
    'Payload has more than one remediation component',
  );
  assert.equal((parseUsageReport('{"remediation_components": [') as { status: number }).status, 400);
  assert.equal((parseUsageReport('[1]') as { status: number }).status, 400);
  const long = JSON.parse(firewallReport(1, 1));
  long.remediation_components[0].metrics[0].items[0].labels.origin = 'x'.repeat(256);
  const refused = parseUsageReport(JSON.stringify(long));
  assert.equal(refused.ok, false);
  assert.equal((refused as { status: number }).status, 422);
  assert.match(
    (refused as { message: string }).message,
    /remediation_components\.0\.metrics\.0\.items\.0\.labels\.origin/,
  );
});

test('a bouncer cannot grow what is kept of it without bound: 200 series at most', () => {
  const items = Array.from({ length: 500 }, (_, index) => ({
    name: 'dropped',
    unit: 'packet',
    value: 1,
    labels: { origin: `list-${index}` },
  }));
  const body = JSON.stringify({
    remediation_components: [
      {
        version: 'v1',
        utc_startup_timestamp: 1,
        metrics: [{ items, meta: { window_size_seconds: 1, utc_now_timestamp: 2 } }],
      },
    ],
  });
  const usage = withReport(withReport(null, parsed(body)), parsed(body));
  assert.equal(usage.series.length, 200);
  assert.ok(
    usage.series.every((entry) => entry.value === 2),
    'the series kept go on counting',
  );
});
