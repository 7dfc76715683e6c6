import { execFileSync } from 'node:child_process';

/**
 * A small real network for the host-tools integration tests, built with iproute2 (root only): this host talks to a
 * target namespace over one veth (`10.<n>.1.2`, `fd00:<n>:1::2`) and to a router namespace over another (`10.<n>.2.2`,
 * `fd00:<n>:2::2`). Behind the router, `10.<n>.3.0/24` is a link where nothing answers ARP (the router replies
 * "Destination Host Unreachable" from its own address) and `10.<n>.4.0/24` is not routed there ("Net
 * Unreachable"); `10.<n>.9.0/24` has no route on this host at all (ping: "connect: No route to host").
 * Every name starts with `prefix` so that two test files never share a namespace; `teardown` deletes them all.
 */
export interface TestNetwork {
  target4: string;
  target6: string;
  router4: string;
  router6: string;
  hostUnreachable4: string;
  hostUnreachable6: string;
  netUnreachable4: string;
  netUnreachable6: string;
  noRoute4: string;
  noRoute6: string;
  targetNamespace: string;
  /** Runs a command inside the target namespace. */
  inTarget(command: string, args: string[]): string;
  teardown(): void;
}

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', stdio: 'pipe' });
const quiet = (command: string, args: string[]) => {
  try {
    run(command, args);
  } catch {
    // Already gone.
  }
};

/** Why the network cannot be built here, or undefined when it can (root, `ip netns` and nft work). */
export function networkUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth, nft)';
  for (const [tool, packageName] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ]) {
    try {
      run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      return `${tool} is not installed (apt-get install -y ${packageName})`;
    }
  }
  return undefined;
}

export function createTestNetwork(prefix: string, subnet: number): TestNetwork {
  const target = `${prefix}-tgt`;
  const router = `${prefix}-rtr`;
  const net4 = (third: number, host: number) => `10.${subnet}.${third}.${host}`;
  const net6 = (third: number, host: number) => `fd00:${subnet}:${third}::${host}`;
  const inside = (namespace: string, script: string) => run('ip', ['netns', 'exec', namespace, 'sh', '-ec', script]);
  const teardown = () => {
    quiet('ip', ['route', 'del', 'unreachable', `${net4(9, 0)}/24`]);
    quiet('ip', ['-6', 'route', 'del', 'unreachable', `${net6(9, 0)}/64`]);
    quiet('ip', ['link', 'del', `${prefix}-t0`]);
    quiet('ip', ['link', 'del', `${prefix}-r0`]);
    quiet('ip', ['netns', 'del', target]);
    quiet('ip', ['netns', 'del', router]);
  };
  teardown();
  try {
    run('ip', ['netns', 'add', target]);
    run('ip', ['netns', 'add', router]);
    const link = (local: string, peer: string, namespace: string, third: number) => {
      run('ip', ['link', 'add', local, 'type', 'veth', 'peer', 'name', peer]);
      run('ip', ['link', 'set', peer, 'netns', namespace]);
      run('ip', ['addr', 'add', `${net4(third, 1)}/24`, 'dev', local]);
      run('ip', ['-6', 'addr', 'add', `${net6(third, 1)}/64`, 'dev', local, 'nodad']);
      run('ip', ['link', 'set', local, 'up']);
      inside(
        namespace,
        `ip link set lo up; ip addr add ${net4(third, 2)}/24 dev ${peer}
         ip -6 addr add ${net6(third, 2)}/64 dev ${peer} nodad; ip link set ${peer} up`,
      );
    };
    link(`${prefix}-t0`, `${prefix}-t1`, target, 1);
    link(`${prefix}-r0`, `${prefix}-r1`, router, 2);
    // The router forwards, answers every error at once (no ICMP rate limit) and has a link where nobody answers.
    inside(
      router,
      `sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
       ip link add ${prefix}-d0 type veth peer name ${prefix}-d1; ip link set ${prefix}-d1 up
       ip addr add ${net4(3, 1)}/24 dev ${prefix}-d0; ip -6 addr add ${net6(3, 1)}/64 dev ${prefix}-d0 nodad
       ip link set ${prefix}-d0 up`,
    );
    for (const third of [3, 4]) {
      run('ip', ['route', 'add', `${net4(third, 0)}/24`, 'via', net4(2, 2)]);
      run('ip', ['-6', 'route', 'add', `${net6(third, 0)}/64`, 'via', net6(2, 2)]);
    }
    run('ip', ['route', 'add', 'unreachable', `${net4(9, 0)}/24`]);
    run('ip', ['-6', 'route', 'add', 'unreachable', `${net6(9, 0)}/64`]);
  } catch (error) {
    teardown();
    throw error;
  }
  return {
    target4: net4(1, 2),
    target6: net6(1, 2),
    router4: net4(2, 2),
    router6: net6(2, 2),
    hostUnreachable4: net4(3, 9),
    hostUnreachable6: net6(3, 9),
    netUnreachable4: net4(4, 9),
    netUnreachable6: net6(4, 9),
    noRoute4: net4(9, 9),
    noRoute6: net6(9, 9),
    targetNamespace: target,
    inTarget: (command, args) => run('ip', ['netns', 'exec', target, command, ...args]),
    teardown,
  };
}

/** nftables rules in the target namespace's own table (`nft -f -` text), replacing the previous ones. */
export function setTargetFirewall(network: TestNetwork, rules: string[]): void {
  try {
    network.inTarget('nft', ['delete', 'table', 'inet', 'monitor_test']);
  } catch {
    // No table yet.
  }
  if (rules.length === 0) return;
  const script = [
    'table inet monitor_test {',
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...rules.map((rule) => `    ${rule}`),
    '  }',
    '}',
  ].join('\n');
  execFileSync('ip', ['netns', 'exec', network.targetNamespace, 'nft', '-f', '-'], { input: script, stdio: 'pipe' });
}
