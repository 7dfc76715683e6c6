// The deny-list Traefik plugin is Go (deploy/traefik-plugin/); its own `go test` runs here so `npm test` covers it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const pluginDir = join(import.meta.dirname, '../../../../deploy/traefik-plugin');

function goCommand(): string {
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'go')));
  if (onPath) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('the Go toolchain is missing (no `go` on PATH nor /usr/local/go/bin/go); the plugin tests need it');
}

test('the deny-list plugin passes go vet and go test', () => {
  for (const args of [
    ['vet', './...'],
    ['test', '-count=1', './...'],
  ]) {
    const run = spawnSync(goCommand(), args, {
      cwd: pluginDir,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
    assert.equal(run.status, 0, `go ${args.join(' ')}:\n${run.stdout}${run.stderr}`);
  }
});

test('the manifest names the module Traefik loads and is accepted by Traefik manifest checks', () => {
  const manifest = parse(readFileSync(join(pluginDir, '.traefik.yml'), 'utf8'));
  const module = /^module\s+(\S+)/m.exec(readFileSync(join(pluginDir, 'go.mod'), 'utf8'))?.[1];
  assert.equal(manifest.import, module, 'Traefik requires import to start with the moduleName');
  assert.equal(manifest.type, 'middleware');
  assert.ok(manifest.displayName && manifest.summary && manifest.testData, 'displayName, summary, testData');
  assert.ok(Array.isArray(manifest.testData.ipDenyList), 'testData is configured like the denyip plugin');
});
