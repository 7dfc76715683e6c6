// `npm run demo`: a real Traefik (built from the Go module proxy on first use), a backend, the agent and a scanner
// on loopback; shows the scanner being blocked live while an ordinary visitor keeps browsing. Needs Go. Ctrl-C stops.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent, writeAgentConfig } from '../src/network-guard/testing/agent-process.ts';
import { get, SCANNER_PATHS, startBackend } from '../src/network-guard/testing/loopback-clients.ts';
import { PLUGIN_ALIAS, startTraefik, writeFileRoutes } from '../src/network-guard/testing/traefik-process.ts';
import { provideTraefik } from '../testbed/testbed-control.ts';

const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 23)}  ${line}\n`);
const dir = mkdtempSync(join(tmpdir(), 'devops-agent-demo-'));
const dynamic = join(dir, 'dynamic');
const denyFile = join(dynamic, 'devops-agent-denylist.yaml');

say('Traefik: building or reusing the testbed build (the first build takes a few minutes)...');
const install = await provideTraefik();
const backend = await startBackend();
writeFileRoutes(dynamic, backend.port);
const traefik = await startTraefik({
  bin: install.bin,
  pluginsDir: install.pluginsDir,
  dir: join(dir, 'traefik'),
  accessLog: { format: 'json', keepHeaders: ['User-Agent'] },
  providers: { file: { directory: dynamic, watch: true } },
});
say(`Traefik ${install.version} on ${traefik.url}, access log ${traefik.accessLog}`);
say(
  `before the agent runs, a visitor gets ${await get(traefik.url, { from: '127.0.0.7' })} (no deny-list middleware yet)`,
);
const config = writeAgentConfig(dir, 'agent', {
  mode: 'auto',
  database: { path: join(dir, 'agent.db') },
  audit: { path: join(dir, 'audit.jsonl') },
  sources: { traefik_file: { path: traefik.accessLog, start_at: 'end' } },
  blocking: {
    blocker: 'traefik-file',
    duration: 60,
    protect_private_ranges: false, // loopback plays the Internet here
    traefik_file: { path: denyFile, plugin_name: PLUGIN_ALIAS },
  },
  web: { enabled: false },
});
const agent = startAgent(config);
const stop = async () => {
  await agent.stop();
  await traefik.stop();
  backend.server.closeAllConnections();
  backend.server.close();
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  while ((await get(traefik.url, { from: '127.0.0.7' })) !== 200) await sleep(200);
  say('agent running: the visitor 127.0.0.7 now gets 200 (the agent wrote an empty deny list at start)');
  await sleep(1500);
  const started = Date.now();
  for (const path of SCANNER_PATHS) {
    say(`scanner 127.0.0.99  GET ${path.padEnd(20)} -> ${await get(traefik.url, { from: '127.0.0.99', path })}`);
    say(`visitor 127.0.0.7   GET /                    -> ${await get(traefik.url, { from: '127.0.0.7' })}`);
  }
  for (;;) {
    const status = await get(traefik.url, { from: '127.0.0.99' });
    if (status === 403) {
      say(
        `scanner 127.0.0.99  GET /                    -> 403  blocked ${Date.now() - started} ms after its first probe`,
      );
      break;
    }
    await sleep(100);
  }
  say(`visitor 127.0.0.7   GET /                    -> ${await get(traefik.url, { from: '127.0.0.7' })}`);
  say(`deny file ${denyFile}:\n${readFileSync(denyFile, 'utf8')}`);
  say(`agent log:\n${agent.output()}`);
  say(`try: node bin/devops-agent.js incidents ls --config ${config}`);
} finally {
  await stop();
}
