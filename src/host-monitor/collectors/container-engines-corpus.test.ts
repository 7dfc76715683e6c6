import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type MonitorSettings, monitorSection } from '../../config/sections/monitor.ts';
import type { Notification, Notifier } from '../../notifiers/notifier.ts';
import { openDatabase } from '../../store/database.ts';
import { Alerter } from '../alerter.ts';
import { MonitorStore } from '../monitor-store.ts';
import { type ContainerStatus, emptyObservations } from '../observations.ts';
import { evaluateRules } from '../rules.ts';
import { collectContainers, containerFromInspect, DockerApiError, type dockerGet } from './docker-collector.ts';

// What Docker Engine (moby's API docs and daemon tests) and Podman's compat API (its apiv2 tests and handlers) answer,
// fed to the collector and then through the rules and the alerter cycle after cycle, as an operator would live it.
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8'));
const directory = mkdtempSync(join(tmpdir(), 'monitor-engines-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const START = Date.parse('2026-03-02T10:00:00Z');
let databases = 0;

type Answer = { list?: Record<string, unknown>; inspect: Record<string, unknown> };
type Inspect = Parameters<typeof containerFromInspect>[0];
type Summary = Parameters<typeof containerFromInspect>[1];

/** A monitor's memory (SQLite) and alerter with one recording channel; `run` is one cycle over given containers. */
function monitor(settingsInput: Record<string, unknown> = {}) {
  const settings = monitorSection.parse({ timezone: 'UTC', ...settingsInput }) as MonitorSettings;
  const store = new MonitorStore(openDatabase(join(directory, `${++databases}.db`)));
  const sent: Notification[] = [];
  const channel: Notifier = {
    kind: 'recorder',
    name: 'recorder',
    send: async (message) => {
      sent.push(message);
      return { status: 'sent' };
    },
  };
  const alerter = new Alerter(store, { text: [channel], voice: [] }, settings);
  let cycle = 0;
  const host = {
    /** The last cycle's finding titles, as the alert would read. */
    titles: [] as string[],
    settings,
    store,
    sent,
    async run(containers: ContainerStatus[]) {
      const at = START + cycle++ * settings.interval * 1000;
      const observations = emptyObservations(at);
      observations.collectors.push({ name: 'docker', status: 'ok' });
      observations.containers = containers;
      const findings = evaluateRules(observations, settings, store);
      host.titles = findings.map((item) => item.title);
      const concluded = findings.map((item) => ({
        ...item,
        ruleSeverity: item.severity,
        finalSeverity: item.severity,
      }));
      const outcomes = await alerter.process(concluded, new Set(['docker']), at);
      return {
        findings: Object.fromEntries(findings.map((item) => [item.key, item.severity])),
        alerted: outcomes.filter((outcome) => outcome.action === 'alerted').map((outcome) => outcome.key),
      };
    },
  };
  return host;
}

const status = (answer: Answer) =>
  containerFromInspect(answer.inspect as unknown as Inspect, answer.list as unknown as Summary);

/** Runs the answers as consecutive cycles and returns every alert sent, in order. */
async function alertsOver(answers: Answer[], settingsInput: Record<string, unknown> = {}) {
  const host = monitor(settingsInput);
  const alerted: string[] = [];
  for (const answer of answers) alerted.push(...(await host.run([status(answer)])).alerted);
  return alerted;
}

test('moby API v1.41-v1.47 examples: a running, healthy container with an old exit code raises nothing', async () => {
  // The inspect example is identical in v1.43, v1.45 and v1.47 (api/docs/v1.4x.yaml).
  const inspect = fixture('moby/api-v1.41-container-inspect.json');
  const container = status({ inspect });
  assert.deepEqual(
    [container.name, container.state, container.running, container.health, container.restartCount, container.exitCode],
    ['boring_euclid', 'running', true, 'healthy', 1, 9],
  );
  const host = monitor();
  assert.deepEqual(await host.run([container]), { findings: {}, alerted: [] });
  assert.deepEqual(await host.run([container]), { findings: {}, alerted: [] });
});

test('moby API v1.41 list example: "Exited" / "Exit 0" summaries read as the documented lower-case state', () => {
  const list = fixture('moby/api-v1.41-containers-list.json') as Array<Record<string, unknown>>;
  // An inspect answer without State (Telegraf's) leaves the list's word: the docs' example writes `Exited`.
  const states = list.map((summary) => status({ list: summary, inspect: { Id: summary.Id } }));
  assert.deepEqual(
    states.map((item) => [item.name, item.state, item.running, item.exitCode]),
    [
      ['boring_feynman', 'exited', false, 0],
      ['coolName', 'exited', false, 0],
      ['sleepy_dog', 'exited', false, 0],
      ['running_cat', 'exited', false, 0],
    ],
  );
});

test('moby API v1.52+ examples (Health in the summary): running and healthy, nothing to say', async () => {
  const { summary, inspect } = fixture('moby/api-v1.52-container-examples.json');
  const container = status({ list: summary, inspect });
  assert.deepEqual([container.name, container.state, container.health], ['funny_chatelet', 'running', 'healthy']);
  assert.deepEqual(await monitor().run([container]), { findings: {}, alerted: [] });
});

test('moby API v1.52+: a healthy container that turns unhealthy alerts once, not on every cycle', async () => {
  const { summary, inspect } = fixture('moby/api-v1.52-container-examples.json');
  const sick = { ...inspect, State: { ...inspect.State, Health: { Status: 'unhealthy', FailingStreak: 3 } } };
  const alerted = await alertsOver([
    { list: summary, inspect },
    { list: summary, inspect: sick },
    { list: summary, inspect: sick },
    { list: summary, inspect: sick },
  ]);
  assert.deepEqual(alerted, ['container-unhealthy:funny_chatelet']);
});

// moby daemon/container/state_test.go TestStateStateAndString: the state flags, State() and String() (the list's
// Status text). What an operator expects when the case follows a cycle where the container was up.
const afterRunning: Record<string, { running: boolean; alerts: number }> = {
  'removal in progress': { running: false, alerts: 0 },
  dead: { running: false, alerts: 0 },
  restarting: { running: true, alerts: 1 },
  running: { running: true, alerts: 0 },
  paused: { running: true, alerts: 0 },
  created: { running: false, alerts: 0 },
  exited: { running: false, alerts: 1 },
  'started but not finished': { running: false, alerts: 0 },
  'restarting while not running': { running: false, alerts: 1 },
  'paused while not running': { running: false, alerts: 0 },
};

for (const item of fixture('moby/state-strings.json') as Array<{
  doc: string;
  state: Record<string, unknown>;
  wantState: string;
  wantString: string;
}>) {
  test(`moby state "${item.doc}" (${item.wantState}, "${item.wantString}") after a running cycle`, async () => {
    const flags = Object.fromEntries(
      Object.entries(item.state).filter(([key]) => !['StartedAt', 'FinishedAt', 'RemovalInProgress'].includes(key)),
    );
    const answer = (state: Record<string, unknown>, text: string, wanted: string): Answer => ({
      list: { Id: 'c0ffee', Names: ['/app'], Image: 'nginx:1.27', State: wanted, Status: text },
      inspect: { Id: 'c0ffee', Name: '/app', RestartCount: 0, State: { Status: wanted, ...state }, Config: {} },
    });
    const up = answer({ Running: true, ExitCode: 0 }, 'Up 3 days', 'running');
    const now = answer(flags, item.wantString, item.wantState);
    const container = status(now);
    const expected = afterRunning[item.doc];
    assert.deepEqual([container.state, container.running], [item.wantState, expected.running]);
    const alerted = await alertsOver([up, now, now, now]);
    assert.equal(alerted.length, expected.alerts, `alerts: ${alerted.join(', ')}`);
  });
}

test('Telegraf include_non_running: a stopped container that Docker reports unhealthy is not a health alert', async () => {
  // Docker marks every stopped container with a health check `unhealthy` (moby daemon/container/health.go,
  // CloseMonitorChannel "for compatibility reasons"): seen stopped from the first cycle, it is a low note only.
  const [list] = fixture('telegraf/docker-include-non-running-list.json');
  const inspect = fixture('telegraf/docker-include-non-running-inspect.json');
  const host = monitor();
  const first = await host.run([status({ list, inspect })]);
  assert.deepEqual(first, { findings: { 'container-down:stopped-container': 'low' }, alerted: [] });
  assert.deepEqual((await host.run([status({ list, inspect })])).alerted, []);
});

test('Podman compat status-test sequence: created, running, paused, stopping and a clean exit raise no alert', async () => {
  const { name, steps } = fixture('podman/compat-status-test.json');
  const answers = (variant: 'now' | 'before') =>
    steps.map((step: Record<string, unknown> & { before?: { Status: string } }) => {
      const state = variant === 'before' && step.before ? step.before.Status : (step.Status as string);
      return {
        list: { Id: 'a1b2c3', Names: [`/${name}`], Image: '$IMAGE', State: state },
        inspect: {
          Id: 'a1b2c3',
          Name: `/${name}`,
          RestartCount: 0,
          State: { Status: state, Running: step.Running, Paused: step.Paused, ExitCode: step.ExitCode },
          Config: { Image: '$IMAGE' },
        },
      };
    });
  assert.deepEqual(await alertsOver(answers('now')), []);
  assert.deepEqual(await alertsOver(answers('before')), []);
  // Paused is running in both engines' answers (compat LibpodToContainerJSON: "docker considers paused to be running").
  assert.deepEqual(
    answers('now').map((answer: Answer) => [status(answer).state, status(answer).running]),
    [
      ['created', false],
      ['created', false],
      ['running', true],
      ['paused', true],
      ['running', true],
      ['stopping', false],
      ['exited', false],
    ],
  );
  // Watched by name: never started is down, paused is not, and the stop says what happens (not "is running").
  const host = monitor({ docker_containers: [name] });
  const titles = [];
  for (const answer of answers('now')) {
    await host.run([status(answer)]);
    titles.push(host.titles.join());
  }
  assert.deepEqual(titles, [
    'Container status-test is created',
    'Container status-test is created',
    '',
    '',
    '',
    'Container status-test is stopping',
    'Container status-test is exited',
  ]);
});

test('Podman compat health (API v1.52): running healthy, then killed (stop -t0, exit 137) alerts once', async () => {
  const { cases } = fixture('podman/compat-health.json');
  // The apiv2 test asserts no Id; one id for the container across its cycles.
  const withId = (item: Answer) => ({ list: { Id: 'h1', ...item.list }, inspect: { Id: 'h1', ...item.inspect } });
  const running = withId(cases[3]);
  const stopped = withId(cases[4]);
  assert.equal(status(running).health, 'healthy');
  // The stopped container's inspect keeps the last health (`healthy`): not judged once it is not running.
  const alerted = await alertsOver([running, stopped, stopped, stopped]);
  assert.deepEqual(alerted, ['container-down:healthcheck-test-running']);
  // Created with a health check (`starting`) or without (`none`): never ran, nothing to say.
  const host = monitor();
  const created = cases
    .slice(0, 3)
    .map((item: { list: Record<string, unknown> }) =>
      status({ list: item.list, inspect: { Id: String(item.list.Names), State: { Status: 'created' } } }),
    );
  assert.deepEqual(await host.run(created), { findings: {}, alerted: [] });
});

const getter =
  (list: unknown[], inspects: Record<string, unknown>): typeof dockerGet =>
  async <T>(_socket: string, path: string) => {
    if (path === '/containers/json?all=1') return list as T;
    const id = decodeURIComponent(/^\/containers\/([^/]+)\/json$/.exec(path)?.[1] ?? '');
    if (inspects[id]) return inspects[id] as T;
    // dockerd's and Podman's answer for a container removed since the list
    throw new DockerApiError(`docker ${path}: HTTP 404 No such container: ${id}`, false, undefined, 404);
  };

test('a name without the leading slash (libpod, Podman before 2020) is the same container as /name', async () => {
  const docker = { Id: 'd0', Names: ['/pihole'], Image: 'pihole/pihole', State: 'running' };
  const podman = { Id: 'p0', Names: ['pihole'], Image: 'pihole/pihole', State: 'running' };
  const inspect = (id: string, name: string) => ({
    Id: id,
    Name: name,
    RestartCount: 2,
    State: { Status: 'running', Running: true, ExitCode: 0 },
  });
  const socket = '/run/podman/podman.sock';
  for (const watched of [['pihole'], ['/pihole']]) {
    const fromDocker = await collectContainers(socket, watched, getter([docker], { d0: inspect('d0', '/pihole') }));
    const fromPodman = await collectContainers(socket, watched, getter([podman], { p0: inspect('p0', 'pihole') }));
    assert.deepEqual(
      [...fromDocker, ...fromPodman].map((item) => [item.name, item.exists]),
      [
        ['pihole', true],
        ['pihole', true],
      ],
      `watched as ${watched[0]}`,
    );
    const host = monitor({ docker_containers: watched });
    assert.deepEqual(await host.run(fromDocker), { findings: {}, alerted: [] });
    assert.deepEqual(await host.run(fromPodman), { findings: {}, alerted: [] });
  }
});

test('a container removed between the list and its inspect is skipped, not a failed collection', async () => {
  const list = [
    { Id: 'gone', Names: ['/ci-job-1234'], Image: 'alpine', State: 'exited' },
    { Id: 'web', Names: ['/web'], Image: 'nginx', State: 'running' },
  ];
  const web = { Id: 'web', Name: '/web', State: { Status: 'running', Running: true, ExitCode: 0 } };
  const statuses = await collectContainers('/var/run/docker.sock', [], getter(list, { web }));
  assert.deepEqual(
    statuses.map((item) => item.name),
    ['web'],
  );
});

test("Podman pod infra containers are not a user's service unless named", async () => {
  const { containers, services } = fixture('podman/infra-containers.json');
  const all = [...containers, ...services] as Answer[];
  const list = all.map((item) => item.list);
  const inspects = Object.fromEntries(all.map((item) => [item.inspect.Id as string, item.inspect]));
  const statuses = await collectContainers('/run/podman/podman.sock', [], getter(list, inspects));
  assert.deepEqual(
    statuses.map((item) => item.name),
    ['paperless-redis', 'paperless-webserver'],
  );
  const host = monitor();
  assert.deepEqual(await host.run(statuses), { findings: {}, alerted: [] });
  // Named in the config, the exited infra container (issue #13825: its pod cannot start) is watched like any other.
  const named = await collectContainers('/run/podman/podman.sock', ['1e611f9693d6-infra'], getter(list, inspects));
  assert.deepEqual(
    named.map((item) => [item.name, item.state, item.exitCode]),
    [['1e611f9693d6-infra', 'exited', 1]],
  );
});
