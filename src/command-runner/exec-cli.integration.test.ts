import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCliInProcess } from '../cli/testing/run-cli.ts';
import { ScriptedLlmServer } from '../llm/testing/scripted-llm-server.ts';

const root = mkdtempSync(join(tmpdir(), 'exec-cli-'));
const workdir = join(root, 'work');
mkdirSync(workdir);
const configPath = join(root, 'config.yaml');
const auditPath = join(root, 'audit', 'audit.jsonl');
writeFileSync(
  configPath,
  [
    `database: { path: ${JSON.stringify(join(root, 'agent.db'))} }`,
    `audit: { path: ${JSON.stringify(auditPath)} }`,
    'llm: { timeout: 5s, max_retries: 0 }',
    'exec:',
    `  working_directory: ${JSON.stringify(workdir)}`,
    '',
  ].join('\n'),
);

const cli = (...argv: string[]) => runCliInProcess(argv, { PATH: process.env.PATH, HOME: root });

describe('devops-agent exec and audit verify (CLI, scripted LLM over real HTTP)', () => {
  const server = new ScriptedLlmServer();
  let base = '';
  before(async () => {
    base = await server.start();
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('plans through the configured LLM, runs SAFE, denies CRITICAL, records MEDIUM as pending (JSON)', async () => {
    const plan = {
      commands: [
        { command: 'df -h .', purpose: 'disk' },
        { command: 'free -h', purpose: 'memory' },
        { command: 'rm -rf /', purpose: 'free space' },
        { command: 'mkdir ./reports', purpose: 'store results' },
      ],
    };
    server.script({ kind: 'text', text: JSON.stringify(plan) });
    const result = await cli(
      'exec',
      'check disk usage and memory',
      '--config',
      configPath,
      '--llm-url',
      `${base}/api/chat`,
      '--format',
      'json',
    );
    assert.equal(result.code, 1, result.stderr);
    const document = JSON.parse(result.stdout) as {
      task: string;
      commands: Array<{
        command: string;
        level: string;
        decision: string;
        rule: string;
        exitCode: number | null;
        status: string;
      }>;
    };
    assert.equal(document.task, 'check disk usage and memory');
    assert.deepEqual(
      document.commands.map((command) => [
        command.command,
        command.level,
        command.decision,
        command.status,
        command.exitCode,
      ]),
      [
        ['df -h .', 'SAFE', 'allow', 'succeeded', 0],
        ['free -h', 'SAFE', 'allow', 'succeeded', 0],
        ['rm -rf /', 'CRITICAL', 'deny', 'denied', null],
        ['mkdir ./reports', 'MEDIUM', 'ask', 'pending_approval', null],
      ],
    );
    const request = JSON.stringify(server.requests.at(-1)?.body);
    assert.match(request, /check disk usage and memory/);
  });

  test('pending approvals can be listed, approved by sha256 and then used once from the CLI', async () => {
    const listed = await cli('exec', '--pending', '--config', configPath, '--format', 'json');
    assert.equal(listed.code, 0, listed.stderr);
    const { pending } = JSON.parse(listed.stdout) as {
      pending: Array<{ id: number; command: string; commandHash: string }>;
    };
    const mkdir = pending.find((approval) => approval.command === 'mkdir ./reports');
    assert.ok(mkdir);
    const wrong = await cli('exec', '--approve', String(mkdir.id), '--sha256', '0'.repeat(64), '--config', configPath);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /a different command needs its own approval/);
    const approved = await cli(
      'exec',
      '--approve',
      String(mkdir.id),
      '--sha256',
      mkdir.commandHash,
      '--approver',
      'carol',
      '--config',
      configPath,
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /approval \d+ approved by carol: mkdir \.\/reports/);
    const run = await cli('exec', '--command', 'mkdir ./reports', '--config', configPath, '--format', 'json');
    assert.equal(run.code, 0, run.stderr);
    const outcome = (JSON.parse(run.stdout) as { commands: Array<{ status: string; approver: string }> }).commands[0];
    assert.deepEqual([outcome.status, outcome.approver], ['succeeded', 'carol']);
  });

  test('text output follows the spec layout', async () => {
    const result = await cli(
      'exec',
      '--config',
      configPath,
      '--command',
      'echo hello',
      '--command',
      'dd if=/dev/zero of=/dev/sda',
    );
    assert.equal(result.code, 1);
    for (const expected of [
      '🤖 DEVOPS AGENT',
      '📋 Task: run the given commands',
      `📝 Audit Trail: ${auditPath}`,
      '📋 Planned 2 commands:',
      '🔍 Command: echo hello',
      '⚠️  Danger Level: SAFE',
      '✅ Success',
      'hello',
      '⚠️  Danger Level: CRITICAL (rule disk-destroyer)',
      '📊 Summary: 1/2 commands succeeded',
      '  ✅ [SAFE] echo hello',
      '  ⛔ [CRITICAL] dd if=/dev/zero of=/dev/sda',
    ])
      assert.ok(result.stdout.includes(expected), `missing ${JSON.stringify(expected)} in\n${result.stdout}`);
  });

  test('without an LLM the task is refused with a clear message; --command still works', async () => {
    const refused = await cli('exec', 'check memory', '--config', configPath);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /no LLM is configured/);
    assert.match(refused.stderr, /--command/);
    const direct = await cli(
      'exec',
      'check memory',
      '--config',
      configPath,
      '--command',
      'free -h',
      '--format',
      'json',
    );
    assert.equal(direct.code, 0, direct.stderr);
  });

  test('an LLM that fails is exit code 3 and nothing runs', async () => {
    server.script({ kind: 'status', status: 500, message: 'model crashed' });
    const result = await cli('exec', 'check disk', '--config', configPath, '--llm-url', `${base}/api/chat`);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /LLM did not produce a usable plan/);
  });

  test('audit verify passes, then reports the first edited line and exits 1', async () => {
    const ok = await cli('audit', 'verify', '--config', configPath);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /audit OK: .* entries, hash chain intact, tail matches the recorded head/);
    const lines = readFileSync(auditPath, 'utf8').split('\n');
    const target = lines.findIndex((line) => line.includes('"rm -rf /"') && line.includes('exec.command'));
    assert.ok(target > 0);
    lines[target] = lines[target].replace('"decision":"deny"', '"decision":"allow"');
    writeFileSync(auditPath, lines.join('\n'));
    const broken = await cli('audit', 'verify', '--config', configPath, '--format', 'json');
    assert.equal(broken.code, 1);
    const verdict = JSON.parse(broken.stdout) as { ok: boolean; problem: string };
    assert.equal(verdict.ok, false);
    assert.equal(verdict.problem, `line ${target + 1}: content does not match its hash (entry edited)`);
    const explicit = await cli('audit', 'verify', '--config', configPath, '--path', auditPath);
    assert.equal(explicit.code, 1);
    assert.match(explicit.stdout, new RegExp(`audit BROKEN: .*line ${target + 1}`));
  });
});
