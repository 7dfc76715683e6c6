import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { NmapScan } from '../observations.ts';
import { diffNmapScans, openPorts, parseNmapXml } from './nmap-collector.ts';

/**
 * python-libnmap's own test reports and assertions (savon-noir/python-libnmap `libnmap/test/` at f9887fc9, in
 * __fixtures__/nmap/libnmap/), for what our collector exposes: hosts, addresses, status, hostnames, ports per protocol,
 * states, services, and what a diff of two scans says. Each check states what libnmap's tests assert (or, for reports
 * libnmap only loads, what its parser would return) and reads the same data through `parseNmapXml`/`diffNmapScans`.
 *
 * Not compared, because the monitor does not read them: OS matches and fingerprints (test_fp.py), CPE strings
 * (test_cpe.py), extraports counts (test_extraports.py), runstats times (test_report.py test_runstats), owner and
 * tunnel of a service, the JSON backend.
 */
const fixture = (name: string) =>
  readFileSync(new URL(`../__fixtures__/nmap/libnmap/${name}`, import.meta.url), 'utf8');
const inline = JSON.parse(fixture('inline-cases.json')) as Record<string, string | string[]>;
const fragment = (name: string) => inline[name] as string;

const RUNSTATS =
  '<runstats><finished time="2" elapsed="1" exit="success"/><hosts up="1" down="0" total="1"/></runstats>\n</nmaprun>\n';
/** A complete one-host report around a `<host>`; libnmap's tests parse these fragments on their own. */
const hostReport = (host: string) => `<?xml version="1.0"?>\n<nmaprun scanner="nmap">\n${host}\n${RUNSTATS}`;
const portsReport = (ports: string) =>
  hostReport(`<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/>${ports}</host>`);
const portReport = (port: string) => portsReport(`<ports>${port}</ports>`);

type Reading = unknown;
const parsed = (xml: string): NmapScan | 'error' => {
  try {
    return parseNmapXml('t', xml);
  } catch {
    return 'error';
  }
};
const report = (name: string) => parseNmapXml('t', fixture(name));
const openList = (scan: NmapScan) =>
  scan.hosts
    .filter((host) => host.status === 'up')
    .map((host) => `${host.address} ${openPorts(host).map((port) => `${port.port}/${port.protocol}`)}`);
const changes = (before: string, after: string) =>
  diffNmapScans(report(before), report(after)).map((change) =>
    [change.change, change.host, change.port ? `${change.port.port}/${change.port.protocol}` : '']
      .filter(Boolean)
      .join(' '),
  );
const firstPort = (xml: string) => {
  const scan = parsed(xml);
  if (scan === 'error') return 'error';
  const port = scan.hosts[0]?.ports[0];
  return port ? { port: port.port, protocol: port.protocol, state: port.state, service: port.service ?? '' } : 'none';
};

interface Check {
  name: string;
  libnmap: Reading;
  ours: () => Reading;
}

const CHECKS: Check[] = [
  // test_report.py test_report_constructor: host counts.
  { name: 'report 2_hosts: 2 hosts', libnmap: 2, ours: () => report('2_hosts.xml').hosts.length },
  { name: 'report 1_hosts: 1 host', libnmap: 1, ours: () => report('1_hosts.xml').hosts.length },
  { name: 'report 1_hosts_nohostname: 1 host', libnmap: 1, ours: () => report('1_hosts_nohostname.xml').hosts.length },
  // test_report.py hlist (the intended ports/open counts): localhost 5 open, scanme 3 of 4, 1.1.1.1 none of 2.
  {
    name: '2_hosts open ports per host',
    libnmap: ['127.0.0.1 22/tcp,25/tcp,111/tcp,631/tcp,3306/tcp', '74.207.244.221 22/tcp,80/tcp,9929/tcp'],
    ours: () => openList(report('2_hosts.xml')),
  },
  {
    name: '2_hosts scanme: 4 ports, 25/tcp filtered',
    libnmap: ['22/tcp open', '25/tcp filtered', '80/tcp open', '9929/tcp open'],
    ours: () => report('2_hosts.xml').hosts[1].ports.map((port) => `${port.port}/${port.protocol} ${port.state}`),
  },
  {
    name: '1_hosts_nohostname: 2 ports, none open, no hostname',
    libnmap: { address: '1.1.1.1', hostnames: [], ports: 2, open: 0 },
    ours: () => {
      const [host] = report('1_hosts_nohostname.xml').hosts;
      return {
        address: host.address,
        hostnames: host.hostnames,
        ports: host.ports.length,
        open: openPorts(host).length,
      };
    },
  },
  // test_report.py test_banner on 1_hosts_banner.xml: product and version of each service.
  {
    name: '1_hosts_banner products and versions',
    libnmap: ['22 OpenSSH 5.3', '25 Postfix smtpd', '111', '631 CUPS 1.4', '3306 MySQL 5.1.61'],
    ours: () =>
      report('1_hosts_banner.xml').hosts[0].ports.map((port) =>
        [port.port, port.product, port.version].filter(Boolean).join(' '),
      ),
  },
  // test_service.py test_bannerdict on dionaea_scan.xml (nmap 7.91, -p 1-65535, scripts, MAC).
  {
    name: 'dionaea 80 and 21 products',
    libnmap: ['nginx', 'Synology DiskStation NAS ftpd'],
    ours: () => {
      const [host] = report('dionaea_scan.xml').hosts;
      return [80, 21].map((number) => host.ports.find((port) => port.port === number)?.product);
    },
  },
  // test_report.py test_host_address_changed / unchanged: a host with another address is another host.
  {
    name: 'diff 1_hosts_down -> 1_hosts: another host',
    libnmap: ['host-appeared 127.0.0.1', 'host-disappeared 10.1.1.1'],
    ours: () => changes('1_hosts_down.xml', '1_hosts.xml'),
  },
  { name: 'diff 1_hosts -> 1_hosts: nothing', libnmap: [], ours: () => changes('1_hosts.xml', '1_hosts.xml') },
  // test_report_diff.py test_diff_host_list: 1_hosts -> 2_hosts adds scanme; 2_hosts -> 2_hosts_achange changes
  // localhost (23 added, 25 open -> closed, 111 removed) and leaves scanme alone.
  {
    name: 'diff 1_hosts -> 2_hosts',
    libnmap: ['host-appeared 74.207.244.221'],
    ours: () => changes('1_hosts.xml', '2_hosts.xml'),
  },
  {
    name: 'diff 2_hosts -> 2_hosts_achange',
    libnmap: ['port-opened 127.0.0.1 23/tcp', 'port-closed 127.0.0.1 25/tcp', 'port-closed 127.0.0.1 111/tcp'],
    ours: () => changes('2_hosts.xml', '2_hosts_achange.xml'),
  },
  // test_report.py test_diff_mac: same IPv4, another MAC: the host changed (mac_addr).
  {
    name: 'diff 1_host_ping -> mac changed: host changed',
    libnmap: ['mac-changed 172.28.1.3'],
    ours: () => changes('1_host_ping.xml', 'diff_1_host_ping_mac_changed.xml'),
  },
  // test_host.py test_host_api.
  {
    name: 'host2: address, status, every hostname',
    libnmap: { address: '127.0.0.1', status: 'up', hostnames: ['localhost', 'localhost', 'localhost2'] },
    ours: () => {
      const scan = parsed(hostReport(fragment('test_host.py host2')));
      if (scan === 'error') return 'error';
      const [host] = scan.hosts;
      return { address: host.address, status: host.status, hostnames: host.hostnames };
    },
  },
  {
    name: 'host3: down, 5 ports, 3 open, 22/tcp open',
    libnmap: { status: 'down', ports: 5, open: 3, ssh: 'open' },
    ours: () => {
      const scan = parsed(hostReport(fragment('test_host.py host3')));
      if (scan === 'error') return 'error';
      const [host] = scan.hosts;
      const ssh = host.ports.find((port) => port.port === 22 && port.protocol === 'tcp')?.state;
      return { status: host.status, ports: host.ports.length, open: openPorts(host).length, ssh };
    },
  },
  // test_parser.py test_class_ports_parser / test_class_port_parser / test_port_except.
  {
    name: 'ports_string: 4 ports',
    libnmap: [22, 25, 80, 9929],
    ours: () => {
      const scan = parsed(portsReport(fragment('test_parser.py ports_string')));
      return scan === 'error' ? 'error' : scan.hosts[0].ports.map((port) => port.port).sort((a, b) => a - b);
    },
  },
  {
    name: 'ports_string2: portid "A2" is an error',
    libnmap: 'error',
    ours: () => (parsed(portsReport(fragment('test_parser.py ports_string2'))) === 'error' ? 'error' : 'parsed'),
  },
  {
    name: 'port_string: 25/tcp filtered smtp',
    libnmap: { port: 25, protocol: 'tcp', state: 'filtered', service: 'smtp' },
    ours: () => firstPort(portReport(fragment('test_parser.py port_string'))),
  },
  ...(
    [
      ['port_string2', 'portid ""'],
      ['port_string3', '<port></port>'],
      ['port_string6', 'portid "FOOL"'],
      ['port_string7', '<stAAte> instead of <state>'],
      ['port_string8', 'no <state>'],
    ] as const
  ).map(([name, what]) => ({
    name: `${name}: ${what} is an error`,
    libnmap: 'error',
    ours: () => firstPort(portReport(fragment(`test_parser.py ${name}`))),
  })),
  {
    name: 'port_string9: <state/> parses, not open',
    libnmap: { parsed: true, open: false },
    ours: () => {
      const port = firstPort(portReport(fragment('test_parser.py port_string9')));
      return typeof port === 'string' ? port : { parsed: true, open: port.state === 'open' };
    },
  },
  // test_service.py test_noservice / test_tunnel.
  {
    name: 'port_noservice: 3306/udp closed, no service',
    libnmap: { port: 3306, protocol: 'udp', state: 'closed', service: '' },
    ours: () => firstPort(portReport(fragment('test_service.py port_noservice'))),
  },
  {
    name: 'port_tunnel: 443/tcp open https',
    libnmap: { port: 443, protocol: 'tcp', state: 'open', service: 'https' },
    ours: () => firstPort(portReport(fragment('test_service.py port_tunnel'))),
  },
  // test_new_parser.py: each bad string is refused as a report; inside a complete report's <ports> the malformed
  // ones make ElementTree (so libnmap) refuse the whole report, and `<port/>` is an incomplete port.
  ...(inline['test_new_parser.py baddatalist'] as string[]).flatMap((bad) => [
    {
      name: `bad data ${JSON.stringify(bad)} as a report is an error`,
      libnmap: 'error',
      ours: () => (parsed(bad) === 'error' ? 'error' : 'parsed'),
    },
    {
      name: `bad data ${JSON.stringify(bad)} inside <ports>`,
      // Text such as `ports/>>>` is well-formed XML: libnmap reads a host with no ports.
      libnmap: bad === '' || bad === 'ports/>>>' ? 'none' : 'error',
      ours: () => firstPort(portReport(bad)),
    },
  ]),
  // Interrupted scans: without incomplete=True libnmap hands the text to ElementTree, which refuses it. With it,
  // libnmap appends `</nmaprun>` and reads the hosts so far; ours: refuse (a diff of half a scan reports every host
  // it did not reach as gone and every port it did not reach as closed).
  {
    name: '2_hosts cut before <runstats> is an error',
    libnmap: 'error',
    ours: () => {
      const text = fixture('2_hosts.xml');
      return parsed(text.slice(0, text.indexOf('<runstats>'))) === 'error' ? 'error' : 'parsed';
    },
  },
  {
    name: 'dionaea cut in the middle is an error',
    libnmap: 'error',
    ours: () => {
      const text = fixture('dionaea_scan.xml');
      return parsed(text.slice(0, text.length / 2)) === 'error' ? 'error' : 'parsed';
    },
  },
];

/**
 * Where we read differently, and why. `ours` says we keep our reading on purpose (it is the safer one); the others
 * are mismatches to fix.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {};

test('python-libnmap test reports and assertions: agreement, and every difference known', () => {
  const differing: string[] = [];
  for (const check of CHECKS) {
    let ours: Reading;
    try {
      ours = check.ours();
    } catch (error) {
      ours = `threw: ${(error as Error).message}`;
    }
    try {
      assert.deepEqual(ours, check.libnmap);
    } catch {
      differing.push(check.name);
      if (!(check.name in KNOWN_DIFFERENCES)) {
        console.log(`${check.name}: libnmap ${JSON.stringify(check.libnmap)}, ours ${JSON.stringify(ours)}`);
      }
    }
  }
  console.log(`python-libnmap agreement: ${CHECKS.length - differing.length} of ${CHECKS.length}`);
  assert.deepEqual(
    differing.sort(),
    Object.keys(KNOWN_DIFFERENCES).sort(),
    'a known difference is gone: update the list',
  );
});

test('every python-libnmap report parses; hosts up and open ports agree with the raw text', () => {
  for (const name of [
    '1_hosts.xml',
    '1_hosts_banner.xml',
    '1_hosts_banner_ports_xmas.xml',
    '1_hosts_down.xml',
    '1_hosts_nohostname.xml',
    '1_host_ping.xml',
    '1_os_banner_scripts.xml',
    '2_hosts.xml',
    '2_hosts_achange.xml',
    '2_null_hosts.xml',
    'diff_1_host_ping_mac_changed.xml',
    'dionaea_scan.xml',
    'full_sudo5.xml',
    'test_osclass.xml',
  ]) {
    const text = fixture(name);
    const scan = parseNmapXml('t', text);
    const hostsUp = Number(/<hosts up="(\d+)"/.exec(text)?.[1]);
    assert.equal(scan.hosts.filter((host) => host.status === 'up').length, hostsUp, `${name}: hosts up`);
    const openInText = text.match(/<port protocol="\w+" portid="\d+"><state state="open"/g)?.length ?? 0;
    const open = scan.hosts.reduce((sum, host) => sum + openPorts(host).length, 0);
    assert.equal(open, openInText, `${name}: open ports`);
  }
});

test('a MAC is compared only when both scans saw one (a routed scan, or a scan stored before MACs were kept)', () => {
  const withMac = report('1_host_ping.xml');
  const withoutMac: NmapScan = { ...withMac, hosts: withMac.hosts.map(({ mac: _mac, ...host }) => host) };
  assert.deepEqual(diffNmapScans(withoutMac, report('diff_1_host_ping_mac_changed.xml')), []);
  assert.deepEqual(diffNmapScans(report('diff_1_host_ping_mac_changed.xml'), withoutMac), []);
  assert.deepEqual(diffNmapScans(withMac, report('1_host_ping.xml')), []);
  assert.deepEqual(diffNmapScans(withMac, report('diff_1_host_ping_mac_changed.xml'))[0], {
    target: 't',
    host: '172.28.1.3',
    change: 'mac-changed',
    previousMac: '02:42:AC:1C:01:03',
    mac: '02:42:AC:1C:01:04',
  });
});

test('a damaged report says what is wrong, never "no open ports"', () => {
  assert.throws(
    () => parseNmapXml('t', portReport('<host>aaa')),
    /not well-formed \(InvalidTag at line 3, column \d+\)/,
  );
  for (const port of ['portid=""', 'portid="A2"', 'portid="65536"', 'portid="-1"']) {
    assert.throws(
      () => parseNmapXml('t', portReport(`<port protocol="tcp" ${port}><state state="open"/></port>`)),
      /incomplete <port> for 10\.0\.0\.1/,
      port,
    );
  }
  assert.throws(() => parseNmapXml('t', portReport('<port portid="22"><state state="open"/></port>')), /incomplete/);
  const portZero = parseNmapXml('t', portReport('<port protocol="udp" portid="0"><state state="open"/></port>'));
  assert.deepEqual(
    openPorts(portZero.hosts[0]).map((port) => `${port.port}/${port.protocol}`),
    ['0/udp'],
    '-p0 scans port 0',
  );
});
