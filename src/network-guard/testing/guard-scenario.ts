// Test helper: the scenario every real-Traefik end-to-end test plays, whatever carries the block (file or CRD) and
// whatever carries the log (file tail or Elasticsearch): a scanner is stopped, ordinary clients are not.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { runCli } from './agent-process.ts';
import { get, ordinaryClient, SCANNER_PATHS, waitFor } from './loopback-clients.ts';

export interface ScenarioTiming {
  /** First probe sent -> first 403 seen by the scanner. */
  firstProbeTo403Ms: number;
}

/** Sends a scanner's probes from `scanner` while `ordinary` browses; asserts the 403 arrives within `deadlineMs`. */
export async function scannerIsStopped(
  url: string,
  addresses: { scanner: string; ordinary: string },
  deadlineMs: number,
  diagnostics: () => string,
): Promise<ScenarioTiming> {
  const browsing = ordinaryClient(url, addresses.ordinary);
  const started = performance.now();
  for (const path of SCANNER_PATHS) {
    const status = await get(url, { from: addresses.scanner, path, userAgent: 'Mozilla/5.0 (compatible; probe)' });
    assert.notEqual(status, 0, `probe ${path} failed to connect`);
  }
  await waitFor(
    async () => (await get(url, { from: addresses.scanner })) === 403,
    deadlineMs,
    () => `the scanner ${addresses.scanner} never got 403\n${diagnostics()}`,
  );
  const firstProbeTo403Ms = performance.now() - started;
  const statuses = await browsing.stop();
  assert.ok(statuses.length > 0);
  assert.deepEqual([...new Set(statuses)], [200], `the ordinary client ${addresses.ordinary} kept getting 200`);
  return { firstProbeTo403Ms };
}

export async function expectStatus(url: string, from: string, status: number, timeoutMs: number, why: () => string) {
  await waitFor(
    async () => (await get(url, { from })) === status,
    timeoutMs,
    () => `${from} never got ${status}: ${why()}`,
  );
}

/** Stays `status` for the whole period (a block that must not happen yet). */
export async function staysStatus(url: string, from: string, status: number, periodMs: number): Promise<void> {
  const until = performance.now() + periodMs;
  while (performance.now() < until) {
    assert.equal(await get(url, { from }), status, `${from} must keep getting ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface IncidentRow {
  id: number;
  ip: string;
  status: string;
}

export function incidents(config: string): IncidentRow[] {
  const run = runCli(['incidents', 'ls', '--format', 'json', '--config', config]);
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { incidents: IncidentRow[] }).incidents;
}

/** Waits for the pending incident of `ip` (review mode) and returns it. */
export async function pendingIncident(
  config: string,
  ip: string,
  timeoutMs: number,
  diagnostics: () => string,
): Promise<IncidentRow> {
  let pending: IncidentRow | undefined;
  await waitFor(
    async () => {
      pending = incidents(config).find((incident) => incident.ip === ip && incident.status === 'pending');
      return pending !== undefined;
    },
    timeoutMs,
    () => `no pending incident for ${ip}\n${diagnostics()}`,
  );
  return pending as IncidentRow;
}

/**
 * Review mode: the scanner's probes open a pending incident, the scanner keeps 200 for `staysMs`, and once a human
 * approves it gets 403 while an ordinary client keeps 200.
 */
export async function blockedOnApproval(
  url: string,
  config: string,
  { scanner, pendingMs, staysMs = 3000 }: { scanner: string; pendingMs: number; staysMs?: number },
  diagnostics: () => string,
): Promise<void> {
  for (const path of SCANNER_PATHS) await get(url, { from: scanner, path });
  const pending = await pendingIncident(config, scanner, pendingMs, diagnostics);
  await staysStatus(url, scanner, 200, staysMs);
  const approve = runCli(['incidents', 'approve', String(pending.id), '--config', config]);
  assert.equal(approve.status, 0, approve.stderr + approve.stdout);
  await expectStatus(url, scanner, 403, 10_000, diagnostics);
  assert.equal(await get(url, { from: '127.0.0.7' }), 200);
}

/**
 * Waits until the daemon has committed a read position of the access log (so it reads from there on), while an
 * ordinary client makes Traefik write lines: with `start_at: end`, probes sent before that would be skipped.
 */
export async function agentIsTailing(url: string, database: string, timeoutMs = 45_000): Promise<void> {
  await waitFor(
    async () => {
      await get(url, { from: '127.0.0.7' });
      if (!existsSync(database)) return false;
      const db = new DatabaseSync(database, { readOnly: true });
      try {
        const row = db.prepare("SELECT count(*) AS n FROM source_positions WHERE source LIKE 'traefik-file:%'").get() as
          | { n: number }
          | undefined;
        return (row?.n ?? 0) > 0;
      } catch {
        return false; // not migrated yet
      } finally {
        db.close();
      }
    },
    timeoutMs,
    () => `the daemon never committed a read position in ${database}`,
  );
}
