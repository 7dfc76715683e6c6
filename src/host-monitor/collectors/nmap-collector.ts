import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { NmapChange, NmapHost, NmapPort, NmapScan } from '../observations.ts';
import { runCommand } from './run-command.ts';

const ALWAYS_ARRAY = new Set([
  'nmaprun.host',
  'nmaprun.host.address',
  'nmaprun.host.hostnames.hostname',
  'nmaprun.host.ports.port',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities in tool output are data; never expand DOCTYPE-defined ones.
  processEntities: false,
  isArray: (_name, jpath) => ALWAYS_ARRAY.has(String(jpath)),
});

interface RawPort {
  protocol?: string;
  portid?: string;
  /** `''` for an empty `<state/>`. */
  state?: { state?: string } | string;
  service?: { name?: string; product?: string; version?: string };
}

interface RawHost {
  timedout?: string;
  status?: { state?: string };
  address?: Array<{ addr?: string; addrtype?: string }>;
  hostnames?: { hostname?: Array<{ name?: string }> } | string;
  ports?: { port?: Array<RawPort | string> } | string;
}

interface RawRun {
  host?: RawHost[];
  runstats?: { finished?: { exit?: string; errormsg?: string } };
}

/** The parser reads no entities (see above); nmap escapes the five XML ones and control characters as `&#xN;`. */
function decodeXml(text: string | undefined): string | undefined {
  return text?.replace(/&(lt|gt|quot|apos|amp|#x[0-9a-f]+|#\d+);/gi, (entity, name: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
    if (name in named) return named[name];
    const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** A list the XML may hold once, many times or (in a cut document) in another shape. */
const asArray = <T>(value: T | T[] | undefined): T[] => (Array.isArray(value) ? value : value ? [value] : []);

/**
 * nmap writes every `<port>` with a protocol, a number and a `<state>`. One without them is a damaged document: it
 * throws rather than become port NaN, port 0 (`Number("")`) or a guessed tcp, which the diff would report as a
 * port opened and the real one as closed.
 */
function readPort(address: string, raw: RawPort | string): NmapPort {
  const port = typeof raw === 'object' ? raw : {};
  const number = /^\d{1,5}$/.test(port.portid ?? '') ? Number(port.portid) : Number.NaN;
  if (!/^[a-z]+$/.test(port.protocol ?? '') || !(number <= 65535) || port.state === undefined) {
    throw new Error(`nmap XML output has an incomplete <port> for ${address} (protocol, portid 0-65535 and <state>)`);
  }
  return {
    protocol: port.protocol as string,
    port: number,
    // `<state/>` is read (libnmap does too) as a state nmap did not name: not open.
    state: (typeof port.state === 'object' && port.state.state) || 'unknown',
    service: decodeXml(port.service?.name),
    product: decodeXml(port.service?.product),
    version: decodeXml(port.service?.version),
  };
}

/**
 * Parses `nmap -oX -` output into hosts with status, hostnames and ports (open ones and their services). Output
 * without `<runstats>` and `</nmaprun>` (a scan cut short), markup that is not well-formed and a run nmap ended with
 * `exit="error"` throw: diffing
 * half a scan would report every host it did not reach as gone. A host nmap gave up on (`--host-timeout`,
 * `timedout="true"`) has no port list and is marked so the diff leaves its ports alone.
 */
export function parseNmapXml(target: string, xml: string): NmapScan {
  if (!/<nmaprun[\s>]/.test(xml)) throw new Error('not nmap XML output (no <nmaprun> element)');
  if (!/<runstats>/.test(xml) || !/<\/nmaprun>\s*$/.test(xml)) {
    throw new Error('incomplete nmap XML output (no <runstats> or </nmaprun>: the scan was cut short)');
  }
  // The parser reads broken markup without a word (`<ports><host>aaa</ports>` is a host with no ports): refuse it,
  // or a damaged document reads as every port closed. Position only: the text around it comes from scanned hosts.
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    const { code, line, col } = wellFormed.err;
    throw new Error(`nmap XML output is not well-formed (${code} at line ${line}, column ${col})`);
  }
  const document = parser.parse(xml) as { nmaprun?: RawRun };
  if (!document.nmaprun || typeof document.nmaprun !== 'object') {
    throw new Error('not nmap XML output (no <nmaprun> element)');
  }
  const finished = document.nmaprun.runstats?.finished;
  if (finished?.exit === 'error') {
    throw new Error(`nmap stopped with an error: ${decodeXml(finished.errormsg ?? 'no message')?.slice(0, 200)}`);
  }
  const hosts: NmapHost[] = [];
  for (const raw of asArray(document.nmaprun.host)) {
    const addresses = asArray(raw.address);
    const address = (addresses.find((item) => item.addrtype === 'ipv4' || item.addrtype === 'ipv6') ?? addresses[0])
      ?.addr;
    if (!address) continue;
    const hostnames =
      typeof raw.hostnames === 'object'
        ? asArray(raw.hostnames.hostname)
            .map((item) => decodeXml(item.name) ?? '')
            .filter(Boolean)
        : [];
    const ports: NmapPort[] =
      typeof raw.ports === 'object' ? asArray(raw.ports.port).map((port) => readPort(address, port)) : [];
    const host: NmapHost = { address, hostnames, status: raw.status?.state ?? 'unknown', ports };
    const mac = addresses.find((item) => item.addrtype === 'mac')?.addr;
    if (mac) host.mac = mac.toUpperCase();
    if (raw.timedout === 'true') host.timedOut = true;
    hosts.push(host);
  }
  return { target, hosts };
}

export const openPorts = (host: NmapHost) => host.ports.filter((port) => port.state === 'open');
const portKey = (port: NmapPort) => `${port.port}/${port.protocol}`;

/**
 * What changed since the previous scan of the same target: hosts up/gone, ports opened/closed, and an address that
 * answers from another MAC (another device took the address, or ARP spoofing). A MAC is only compared when both scans
 * saw one: a routed scan sees none.
 */
export function diffNmapScans(previous: NmapScan | undefined, current: NmapScan): NmapChange[] {
  if (!previous) return [];
  const changes: NmapChange[] = [];
  const before = new Map(previous.hosts.filter((host) => host.status === 'up').map((host) => [host.address, host]));
  const after = new Map(current.hosts.filter((host) => host.status === 'up').map((host) => [host.address, host]));
  for (const [address, host] of after) {
    const old = before.get(address);
    if (!old) {
      changes.push({ target: current.target, host: address, change: 'host-appeared' });
    } else if (old.mac && host.mac && old.mac !== host.mac) {
      changes.push({
        target: current.target,
        host: address,
        change: 'mac-changed',
        previousMac: old.mac,
        mac: host.mac,
      });
    }
    // A host nmap gave up on has no port list, then or now: its ports are unknown, not opened or closed.
    if (!old || old.timedOut || host.timedOut) continue;
    const oldPorts = new Set(openPorts(old).map(portKey));
    for (const port of openPorts(host)) {
      if (!oldPorts.has(portKey(port)))
        changes.push({ target: current.target, host: address, change: 'port-opened', port });
    }
    const newPorts = new Set(openPorts(host).map(portKey));
    for (const port of openPorts(old)) {
      if (!newPorts.has(portKey(port)))
        changes.push({ target: current.target, host: address, change: 'port-closed', port });
    }
  }
  for (const address of before.keys()) {
    if (!after.has(address)) changes.push({ target: current.target, host: address, change: 'host-disappeared' });
  }
  return changes;
}

// Options that would write files, read target lists or resume from disk: output must stay on stdout.
const FORBIDDEN_OPTION = /^(-o[NGSAX]|-iL|-iR|--resume|--stylesheet|--datadir|--script)/;

/** Splits `nmap_scan_options` and refuses options that write or read files (or run NSE scripts). */
export function nmapArguments(options: string, target: string): string[] {
  const parts = options.split(/\s+/).filter(Boolean);
  const bad = parts.find((part) => FORBIDDEN_OPTION.test(part));
  if (bad) throw new Error(`monitor.nmap_scan_options: ${bad} is not allowed (output must go to stdout as XML)`);
  if (target.startsWith('-')) throw new Error(`monitor.nmap_targets: ${JSON.stringify(target)} is not a target`);
  return [...parts, '-oX', '-', target];
}

export async function runNmap(target: string, options: string, timeoutMs = 15 * 60_000) {
  const args = nmapArguments(options, target);
  const command = await runCommand('nmap', args, { timeoutMs });
  if (command.status === 'missing') return { status: 'missing' as const, error: command.error };
  if (command.status === 'failed') {
    return { status: 'failed' as const, error: `${command.error} ${command.stderr.trim().slice(0, 300)}`.trim() };
  }
  try {
    return { status: 'ok' as const, scan: parseNmapXml(target, command.stdout) };
  } catch (error) {
    return { status: 'failed' as const, error: `nmap ${target}: ${(error as Error).message}` };
  }
}
