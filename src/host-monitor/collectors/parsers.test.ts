import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAuthEvent } from './auth-event-parser.ts';
import { containerFromInspect } from './docker-collector.ts';
import { parseJournalJson } from './journald-reader.ts';
import { diffNmapScans, nmapArguments, parseNmapXml } from './nmap-collector.ts';
import { isValidPingTarget, parsePingOutput } from './ping-collector.ts';
import { oomKilledProcess, parseSyslogLine } from './syslog-line-parser.ts';
import { parseNvidiaSmiCsv, parseSensorsJson } from './temperature-collector.ts';

const fixture = (name: string) => readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
const NOW = Date.parse('2025-09-20T12:00:00Z');

function authEvents(name: string) {
  const lines = fixture(name).split('\n').filter(Boolean);
  const records = lines.map((line) => parseSyslogLine(line, NOW));
  return {
    skipped: records.filter((record) => !record).length,
    events: records.flatMap((record) => {
      const event = record && parseAuthEvent(record);
      return event ? [event] : [];
    }),
  };
}

test('auth.log (traditional timestamps): every sshd/login event type with IP and user', () => {
  const { events, skipped } = authEvents('auth.log');
  assert.equal(skipped, 1, 'the garbage line is counted as skipped');
  const summary = events.map((event) => [event.type, event.user, event.sourceIp ?? null]);
  assert.deepEqual(summary, [
    ['invalid_user', 'admin', '203.0.113.5'],
    ['pam_auth_failure', undefined, '203.0.113.5'],
    ['failed_password', 'admin', '203.0.113.5'],
    ['failed_password', 'admin', '203.0.113.5'],
    ['max_auth_attempts', 'admin', '203.0.113.5'],
    ['max_auth_attempts', 'admin', '203.0.113.5'],
    ['pam_auth_failure', 'root', '203.0.113.5'],
    ['failed_password', 'root', '203.0.113.5'],
    ['disconnected', 'root', '203.0.113.5'],
    ['accepted', 'pi', '192.168.1.20'],
    ['accepted', 'backup', '2001:db8::7'],
    ['pam_auth_failure', 'pi', null],
    ['failed_login', 'root', null],
    ['disconnected', undefined, '198.51.100.23'],
  ]);
  const accepted = events.find((event) => event.user === 'pi' && event.type === 'accepted');
  assert.equal(accepted?.method, 'publickey');
  assert.equal(accepted?.port, 50522);
  assert.equal(events[2].invalidUser, true);
  assert.equal(events[0].host, 'pihole');
  // Traditional lines carry no year: September read in September 2025 is 2025 (local time of this machine).
  assert.equal(new Date(events[0].time!).getFullYear(), 2025);
});

test('auth.log with RFC 3339 timestamps (Debian 12 rsyslog default) and sshd-session', () => {
  const { events } = authEvents('auth-rfc3339.log');
  assert.deepEqual(
    events.map((event) => [event.type, event.user, event.sourceIp, event.time]),
    [
      ['invalid_user', 'oracle', '198.51.100.23', '2025-09-15T03:00:12.418Z'],
      ['failed_password', 'oracle', '198.51.100.23', '2025-09-15T03:00:14.002Z'],
      ['failed_password', 'root', '198.51.100.23', '2025-09-15T03:00:15.774Z'],
      ['failed_password', 'git', '198.51.100.23', '2025-09-15T03:00:19.101Z'],
      ['max_auth_attempts', 'root', '198.51.100.23', '2025-09-15T03:00:21.000Z'],
      ['accepted', 'deploy', '10.0.0.5', '2025-09-15T03:00:21.500Z'],
    ],
  );
  assert.equal(events[3].method, 'publickey');
  const oom = parseSyslogLine(fixture('auth-rfc3339.log').split('\n')[6], NOW);
  assert.equal(oom && oomKilledProcess(oom), 'java');
});

test('a December line read in January belongs to the previous year; RFC 5424 lines parse too', () => {
  const record = parseSyslogLine(
    'Dec 31 23:59:59 host sshd[1]: Accepted publickey for a from 192.0.2.1 port 1 ssh2',
    Date.parse('2026-01-01T00:05:00'),
  );
  assert.equal(new Date(record!.time!).getFullYear(), 2025);
  const rfc5424 = parseSyslogLine(
    '<38>1 2025-09-14T22:01:00.003Z host sshd 1234 - - Failed password for root from 192.0.2.9 port 22 ssh2',
  );
  assert.equal(rfc5424?.program, 'sshd');
  assert.equal(parseAuthEvent(rfc5424!)?.sourceIp, '192.0.2.9');
});

test('FreeBSD syslogd -v and -vv: the facility and level before the host', () => {
  for (const line of [
    'Jan  1 00:00:00 <10.5> foxtrot sshd[1234]: Invalid user admin from 192.0.2.4',
    'Jan  1 00:00:00 <auth.notice> foxtrot sshd[1234]: Invalid user admin from 192.0.2.4',
  ]) {
    const record = parseSyslogLine(line, NOW);
    assert.deepEqual(
      record && [record.host, record.program, record.pid, record.message],
      ['foxtrot', 'sshd', 1234, 'Invalid user admin from 192.0.2.4'],
      line,
    );
  }
});

test("sysklogd's RFC 5424 file format: the same fields without <PRI>1", () => {
  const record = parseSyslogLine(
    "2022-02-24T21:00:42.021457+00:00 evse dropbear 6052 - - Bad password attempt for 'root' from 192.0.2.4:50532",
  );
  assert.deepEqual(record && [record.time, record.host, record.program, record.pid], [
    '2022-02-24T21:00:42.021Z',
    'evse',
    'dropbear',
    6052,
  ]);
  assert.equal(parseAuthEvent(record!)?.sourceIp, '192.0.2.4');
});

test('a tag with its pid and no colon (an rsyslog 8 template); without a pid the colon is needed', () => {
  for (const line of [
    '2020-05-29T11:28:56.058908+02:00 bastion sshd[20974] error: PAM: Authentication error for plop from 192.0.2.4',
    'May 29 11:28:56 bastion sshd[20974] error: PAM: Authentication error for plop from 192.0.2.4',
  ]) {
    const record = parseSyslogLine(line, NOW);
    assert.deepEqual(
      record && [record.host, record.program, record.pid, record.message],
      ['bastion', 'sshd', 20974, 'error: PAM: Authentication error for plop from 192.0.2.4'],
      line,
    );
  }
  assert.equal(parseSyslogLine('May 29 11:28:56 bastion sshd Failed password for a from 192.0.2.4', NOW), undefined);
});

test("socklog's lines: svlogd's UTC time and the facility, then the program's line with or without its time", () => {
  for (const line of [
    '2015-05-27T04:31:28.10040 auth.info: May 27 04:31:28 sshd[30993]: Invalid user admin from 192.0.2.4',
    '2015-05-27T04:31:28.10040 auth.info: sshd[30993]:  Invalid user admin from 192.0.2.4',
  ]) {
    const record = parseSyslogLine(line, NOW);
    assert.deepEqual(
      record && [record.time, record.host, record.program, record.pid, record.message],
      ['2015-05-27T04:31:28.100Z', undefined, 'sshd', 30993, 'Invalid user admin from 192.0.2.4'],
      line,
    );
  }
  assert.equal(
    parseSyslogLine('2015-05-27T04:31:27.46667 auth.info: Invalid user admin from 192.0.2.4', NOW),
    undefined,
  );
});

test('sensors -j: CPU, GPU and other sensors, implausible values ignored', () => {
  const { readings, skipped, unreadLines } = parseSensorsJson(fixture('sensors.json'));
  assert.deepEqual([skipped, unreadLines], [0, 0]);
  const byKind = (kind: string) => readings.filter((reading) => reading.kind === kind).map((reading) => reading.sensor);
  assert.deepEqual(byKind('cpu'), [
    'coretemp-isa-0000/Package id 0',
    'coretemp-isa-0000/Core 0',
    'coretemp-isa-0000/Core 1',
    'k10temp-pci-00c3/Tctl',
    'k10temp-pci-00c3/Tccd1',
  ]);
  assert.deepEqual(byKind('gpu'), ['amdgpu-pci-0300/edge', 'amdgpu-pci-0300/junction']);
  assert.deepEqual(byKind('other'), ['acpitz-acpi-0/temp1', 'nvme-pci-0100/Composite', 'nvme-pci-0100/Sensor 1']);
  const nvmeSensor = readings.find((reading) => reading.sensor === 'nvme-pci-0100/Sensor 1');
  assert.equal(nvmeSensor?.high, undefined, '65261.85 is lm-sensors for "no limit"');
  assert.equal(readings[0].celsius, 52);
  assert.equal(readings[0].critical, 100);
});

const sensorsFixture = (name: string) => parseSensorsJson(fixture(`sensors/${name}`));
const summary = (result: ReturnType<typeof parseSensorsJson>) =>
  result.readings.map((reading) => `${reading.sensor}=${reading.celsius} ${reading.kind}`);

test('sensors -j 3.4: a feature that could not be read (iwlwifi radio off) is counted, the rest is read', () => {
  const result = sensorsFixture('lm-sensors-3.4-iwlwifi-read-error.json');
  assert.deepEqual(summary(result), [
    'pch_skylake-virtual-0/temp1=56.5 other',
    'acpitz-virtual-0/temp1=25 other',
    'dell_smm-virtual-0/CPU=67 cpu',
    'dell_smm-virtual-0/Ambient=60 other',
    'dell_smm-virtual-0/SODIMM=45 other',
    'dell_smm-virtual-0/Other=37 other',
    'coretemp-isa-0000/Package id 0=88 cpu',
    'coretemp-isa-0000/Core 0=88 cpu',
  ]);
  assert.equal(result.readings[1].critical, 107);
  assert.deepEqual([result.skipped, result.unreadLines], [1, 1], 'the empty iwlwifi feature; the stderr line');
});

test('sensors -j 3.6: a chip without features leaves a trailing comma; the other chips still count', () => {
  const result = sensorsFixture('lm-sensors-3.6-chip-without-features.json');
  assert.deepEqual(summary(result), ['nvme-pci-0b00/Composite=27.85 other', 'amdgpu-pci-0c00/edge=32 gpu']);
  assert.equal(result.readings[0].high, 79.85);
  assert.equal(result.readings[0].critical, 84.85);
  assert.deepEqual([result.skipped, result.unreadLines], [0, 0], 'voltages and power are not temperatures');
});

test('sensors -j 3.5: stray comma, nan, and a label repeated four times (dell_smm SODIMM) keep every sensor', () => {
  const result = sensorsFixture('lm-sensors-3.5-stray-comma-nan.json');
  assert.deepEqual(summary(result), [
    'coretemp-isa-0000/Core 0=41 cpu',
    'dell_smm-isa-00de/SODIMM=34 other',
    'dell_smm-isa-00de/SODIMM (temp4)=39 other',
    'dell_smm-isa-00de/SODIMM (temp5)=44 other',
    'dell_smm-isa-00de/SODIMM (temp6)=33 other',
    'dell_smm-isa-00de/GPU=52 gpu',
  ]);
  assert.equal(result.skipped, 2, 'Package id 0 (input unreadable) and Core 1 (nan)');
});

test('sensors -j re-indented by another formatter, `{}` on one line, and compact JSON read the same', () => {
  const result = sensorsFixture('reformatted-pve-mods.json');
  assert.deepEqual(summary(result), [
    'pch_cannonlake-virtual-0/temp1=53 other',
    'nvme-pci-0300/Composite=44.85 other',
    'nvme-pci-0300/Sensor 1=44.85 other',
  ]);
  assert.equal(result.readings[2].high, undefined, '65261.85 means no limit');
  assert.equal(result.skipped, 1, 'iwlwifi temp1 {}');
  const compact = parseSensorsJson(JSON.stringify(JSON.parse(fixture('sensors/reformatted-pve-mods.json'))));
  assert.deepEqual(summary(compact), summary(result));
  assert.deepEqual(parseSensorsJson('{\n\n}\n').readings, [], 'no sensors found');
  assert.throws(() => parseSensorsJson('No sensors found!'), SyntaxError);
});

test('nvidia-smi CSV: temperatures per GPU, [Not Supported] skipped', () => {
  assert.deepEqual(
    parseNvidiaSmiCsv(fixture('nvidia-smi.csv')).map((reading) => [reading.sensor, reading.celsius]),
    [
      ['nvidia0/NVIDIA GeForce RTX 3080', 46],
      ['nvidia1/Tesla T4', 71],
    ],
  );
});

test('ping: Linux iputils, Linux unreachable with errors, BSD/macOS', () => {
  assert.deepEqual(parsePingOutput('192.168.1.1', fixture('ping-linux.txt')), {
    target: '192.168.1.1',
    transmitted: 4,
    received: 3,
    lossPercent: 25,
    rttMinMs: 0.498,
    rttAvgMs: 0.514,
    rttMaxMs: 0.533,
  });
  assert.deepEqual(parsePingOutput('10.9.9.9', fixture('ping-linux-unreachable.txt')), {
    target: '10.9.9.9',
    transmitted: 3,
    received: 0,
    lossPercent: 100,
  });
  const bsd = parsePingOutput('8.8.8.8', fixture('ping-bsd.txt'));
  assert.equal(bsd?.lossPercent, 0);
  assert.equal(bsd?.rttAvgMs, 14.239);
  assert.equal(parsePingOutput('x', 'ping: unknown host'), undefined);
  assert.equal(isValidPingTarget('-f'), false);
  assert.equal(isValidPingTarget('router.lan'), true);
});

test('ping: real iputils, FreeBSD, macOS and BusyBox outputs (jc fixtures) and the other summary forms', () => {
  const ping = (name: string) => {
    const result = parsePingOutput('t', fixture(`ping/${name}`));
    return result && [result.transmitted, result.received, result.lossPercent, result.rttAvgMs ?? null];
  };
  assert.deepEqual(
    ping('iputils-centos7-broadcast-dup.txt'),
    [2, 2, 0, 504.26],
    '+19 duplicates, `, pipe 2` after rtt',
  );
  assert.deepEqual(ping('iputils-ubuntu2204-unreachable.txt'), [3, 0, 100, null]);
  assert.deepEqual(ping('freebsd12-ping6.txt'), [3, 3, 0, 0.044], 'round-trip min/avg/max/std-dev');
  assert.deepEqual(ping('macos-all-lost.txt'), [8, 0, 100, null]);
  assert.deepEqual(ping('macos-ping6-dup.txt'), [5, 5, 0, 180.26]);
  assert.deepEqual(ping('busybox-alpine313.txt'), [1, 1, 0, 1.637]);
  // iputils ping_output.c prints `, +N corrupted` between duplicates and errors; BusyBox prints `N duplicates` (no +).
  const corrupted = parsePingOutput(
    't',
    '5 packets transmitted, 4 received, +1 corrupted, 20% packet loss, time 4005ms\nrtt min/avg/max/mdev = 1.1/1.2/1.3/0.1 ms',
  );
  assert.deepEqual([corrupted?.received, corrupted?.lossPercent, corrupted?.rttMaxMs], [4, 20, 1.3]);
  const busyboxDuplicates = parsePingOutput(
    't',
    '3 packets transmitted, 3 packets received, 2 duplicates, 0% packet loss',
  );
  assert.equal(busyboxDuplicates?.received, 3);
  assert.equal(parsePingOutput('t', '3 packets transmitted, 3 received, 33.3333% packet loss')?.lossPercent, 33.3333);
  // Under a German locale iputils prints this; pingTarget runs ping with LC_ALL=C so it never has to be read.
  assert.equal(parsePingOutput('t', '3 Pakete übertragen, 3 empfangen, 0% Paketverlust, Zeit 2003ms'), undefined);
});

test('nmap XML: hosts, status, hostnames, open ports with services; diff against a previous scan', () => {
  const scan = parseNmapXml('192.168.1.0/30', fixture('nmap.xml'));
  assert.equal(scan.hosts.length, 2);
  assert.deepEqual(scan.hosts[0].hostnames, ['router.lan']);
  assert.deepEqual(
    scan.hosts[0].ports.map((port) => [port.port, port.state, port.service, port.product ?? null]),
    [
      [22, 'open', 'ssh', 'OpenSSH'],
      [53, 'open', 'domain', null],
      [443, 'open', 'https', null],
    ],
  );
  assert.equal(scan.hosts[1].address, '192.168.1.2', 'the IP, not the MAC address');
  const previous = structuredClone(scan);
  previous.hosts[0].ports = previous.hosts[0].ports.filter((port) => port.port !== 443);
  previous.hosts[0].ports.push({ protocol: 'tcp', port: 8080, state: 'open', service: 'http-proxy' });
  previous.hosts.pop();
  previous.hosts.push({ address: '192.168.1.3', hostnames: [], status: 'up', ports: [] });
  const changes = diffNmapScans(previous, scan).map((change) => [
    change.change,
    change.host,
    change.port?.port ?? null,
  ]);
  assert.deepEqual(changes, [
    ['port-opened', '192.168.1.1', 443],
    ['port-closed', '192.168.1.1', 8080],
    ['host-appeared', '192.168.1.2', null],
    ['host-disappeared', '192.168.1.3', null],
  ]);
  assert.deepEqual(diffNmapScans(undefined, scan), [], 'the first scan is the baseline, not a change');
  assert.throws(() => parseNmapXml('x', '<html></html>'), /not nmap XML/);
  assert.throws(() => nmapArguments('-T4 -oN /tmp/x', '127.0.0.1'), /-oN is not allowed/);
  assert.deepEqual(nmapArguments('-T4 -F', '127.0.0.1'), ['-T4', '-F', '-oX', '-', '127.0.0.1']);
});

test('nmap XML from the nmap test scans (ndiff, zenmap): scripts, UDP, open|filtered, MAC beside IPv4, no host up', () => {
  const complex = parseNmapXml('scanme.nmap.org', fixture('nmap/ndiff-complex.xml'));
  assert.deepEqual(complex.hosts[0].hostnames, ['scanme.nmap.org']);
  assert.deepEqual(
    complex.hosts[0].ports.map((port) => `${port.port}/${port.protocol} ${port.state} ${port.product ?? '-'}`),
    [
      '22/tcp open OpenSSH',
      '25/tcp closed -',
      '53/tcp open ISC BIND',
      '70/tcp closed -',
      '80/tcp open Apache httpd',
      '53/udp open ISC BIND',
    ],
  );
  const lan = parseNmapXml('10.0.0.0/24', fixture('nmap/zenmap-test11-mac.xml'));
  assert.deepEqual(
    lan.hosts.map((host) => host.address),
    ['10.0.0.100', '10.0.0.138', '10.0.0.140', '10.0.0.150'],
  );
  assert.deepEqual(parseNmapXml('scanme.nmap.org', fixture('nmap/ndiff-down.xml')).hosts, []);
});

test('nmap XML: a cut-short scan and an error run throw; timed-out hosts keep their ports unknown; entities decoded', () => {
  const complete = fixture('nmap/ndiff-complex.xml');
  assert.throws(() => parseNmapXml('x', complete.slice(0, complete.indexOf('<runstats>'))), /cut short/);
  assert.throws(() => parseNmapXml('x', complete.slice(0, complete.length / 2)), /cut short/);
  // The closing lines nmap_error.cc writes when it quits (fatal()).
  const failed = `${complete.slice(0, complete.indexOf('<runstats>'))}<runstats><finished time="1" timestr="x" elapsed="0.1" exit="error" errormsg="Failed to open device eth9"/><hosts up="0" down="0" total="0"/>\n</runstats>\n</nmaprun>\n`;
  assert.throws(() => parseNmapXml('x', failed), /nmap stopped with an error: Failed to open device eth9/);
  const run = (hosts: string) =>
    `<?xml version="1.0"?>\n<nmaprun scanner="nmap">\n${hosts}<runstats><finished time="2" elapsed="1" exit="success"/><hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n`;
  const full = parseNmapXml(
    't',
    run(
      '<host><status state="up" reason="nd-response" reason_ttl="64"/><address addr="2001:db8::5" addrtype="ipv6"/><address addr="52:54:00:12:34:56" addrtype="mac"/><hostnames><hostname name="nas.lan" type="PTR"/></hostnames><ports><port protocol="tcp" portid="445"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="microsoft-ds" product="Samba smbd 4.6.2 &amp; more"/></port></ports></host>\n',
    ),
  );
  assert.equal(full.hosts[0].address, '2001:db8::5');
  assert.equal(full.hosts[0].mac, '52:54:00:12:34:56'.toUpperCase());
  assert.equal(full.hosts[0].ports[0].product, 'Samba smbd 4.6.2 & more');
  // nmap.cc writes a timed-out host as its header only: status, address, hostnames, times.
  const timedOut = parseNmapXml(
    't',
    run(
      '<host starttime="1" endtime="2" timedout="true"><status state="up" reason="nd-response" reason_ttl="64"/><address addr="2001:db8::5" addrtype="ipv6"/><times srtt="1" rttvar="1" to="100000"/></host>\n',
    ),
  );
  assert.equal(timedOut.hosts[0].timedOut, true);
  assert.deepEqual(diffNmapScans(full, timedOut), [], 'not port-closed');
  assert.deepEqual(diffNmapScans(timedOut, full), [], 'not port-opened either');
});

test('Docker inspect JSON: state, health, restart count, OOMKilled; secrets in Env are not copied', () => {
  const inspects = JSON.parse(fixture('docker-inspect.json')) as Record<
    string,
    Parameters<typeof containerFromInspect>[0]
  >;
  const statuses = Object.values(inspects).map((inspect) => containerFromInspect(inspect));
  assert.deepEqual(
    statuses.map((status) => [status.name, status.state, status.health ?? null, status.restartCount, status.oomKilled]),
    [
      ['pihole', 'running', 'healthy', 0, false],
      ['homeassistant', 'running', 'unhealthy', 1, false],
      ['worker', 'restarting', null, 7, true],
    ],
  );
  assert.doesNotMatch(JSON.stringify(statuses), /should-never-be-read/);
  // moby api/swagger.yaml Health.Status: none | starting | healthy | unhealthy; `none` means no health check.
  const noCheck = containerFromInspect({
    Id: 'abc',
    Name: '/x',
    State: { Status: 'running', Health: { Status: 'none' } },
  });
  assert.equal(noCheck.health, undefined);
});

test('journalctl -o json: cursor, time, identifier, byte-array messages; bad lines counted', () => {
  const lines = [
    JSON.stringify({
      __CURSOR: 's=a;i=1',
      __REALTIME_TIMESTAMP: '1757905212418220',
      _HOSTNAME: 'nas',
      SYSLOG_IDENTIFIER: 'sshd',
      _PID: '1021',
      MESSAGE: 'Failed password for root from 198.51.100.23 port 40030 ssh2',
      PRIORITY: '6',
    }),
    '{not json',
    JSON.stringify({
      __CURSOR: 's=a;i=2',
      __REALTIME_TIMESTAMP: '1757905213000000',
      SYSLOG_IDENTIFIER: 'kernel',
      MESSAGE: [79, 75, 255],
    }),
  ].join('\n');
  const parsed = parseJournalJson(lines);
  assert.equal(parsed.cursor, 's=a;i=2');
  assert.equal(parsed.skipped, 1);
  assert.equal(parsed.records[0].time, '2025-09-15T03:00:12.418Z');
  assert.equal(parseAuthEvent(parsed.records[0])?.sourceIp, '198.51.100.23');
  assert.match(parsed.records[1].message, /^OK/);
});

test('journald lines that only claim to be sshd or the kernel are not read as logins or OOM kills', () => {
  // Real entries carry the sender's credentials (_UID, _TRANSPORT); `logger -t sshd` from uid 1000 cannot forge them.
  const entry = (fields: Record<string, string>) =>
    JSON.stringify({ __REALTIME_TIMESTAMP: '1757905212418000', _PID: '4242', ...fields });
  const parsed = parseJournalJson(
    [
      entry({
        SYSLOG_IDENTIFIER: 'sshd',
        _UID: '1000',
        _TRANSPORT: 'syslog',
        _COMM: 'logger',
        MESSAGE: 'Failed password for root from 9.9.9.9 port 40030 ssh2',
      }),
      entry({
        SYSLOG_IDENTIFIER: 'kernel',
        _UID: '1000',
        _TRANSPORT: 'syslog',
        MESSAGE: 'Out of memory: Killed process 1 (sshd)',
      }),
      entry({
        SYSLOG_IDENTIFIER: 'sshd',
        _UID: '0',
        _TRANSPORT: 'syslog',
        _COMM: 'sshd',
        MESSAGE: 'Failed password for root from 198.51.100.23 port 40030 ssh2',
      }),
      entry({ SYSLOG_IDENTIFIER: 'kernel', _TRANSPORT: 'kernel', MESSAGE: 'Out of memory: Killed process 77 (java)' }),
    ].join('\n'),
  );
  assert.deepEqual(
    parsed.records.map((record) => record.program),
    ['sshd(from uid 1000)', 'kernel(from uid 1000)', 'sshd', 'kernel'],
  );
  assert.equal(parseAuthEvent(parsed.records[0]), undefined, 'the forged login names nobody');
  assert.equal(parseAuthEvent(parsed.records[2])?.sourceIp, '198.51.100.23');
});
