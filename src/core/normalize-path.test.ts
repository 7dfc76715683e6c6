import assert from 'node:assert/strict';
import { test } from 'node:test';
import { climbsAboveRoot, normalizePath, traversalTarget } from './normalize-path.ts';

test('normalizePath resolves dot segments and duplicate slashes, and leaves dotfiles as they are', () => {
  const cases: Array<[string, string]> = [
    ['/.env', '/.env'],
    ['/.git/config', '/.git/config'],
    ['/app/.env.bak', '/app/.env.bak'],
    ['/a/./.env', '/a/.env'],
    ['/a/../.env', '/.env'],
    ['/a/b/..', '/a'],
    ['/a/.', '/a'],
    ['.', '/'],
    ['..', '/..'],
    ['./.env', '/.env'],
    ['../.git/config', '/../.git/config'],
    ['/..env', '/..env'],
    ['/...', '/...'],
    ['/a..b/', '/a..b'],
    ['//.env', '/.env'],
    ['/%2e%2e/.env', '/../.env'],
    ['/static\\..\\.env', '/.env'],
    ['/.ENV;jsessionid=1', '/.env'],
    ['/config.json.bak?x=/../', '/config.json.bak'],
    // climbing above the root: a traversal, marked with one `..`
    ['/static/../../etc/passwd', '/../etc/passwd'],
    ['/public/plugins/grafana/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd', '/../etc/passwd'],
    ['/%252E%252E%252Ffoo1', '/../foo1'],
    ['/..;/..;/.env', '/../.env'],
    ['/a/../../', '/..'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});

test('climbsAboveRoot and traversalTarget', () => {
  assert.deepEqual(
    ['/../etc/passwd', '/..', '/..env', '/...', '/a/..b'].map((path) => [climbsAboveRoot(path), traversalTarget(path)]),
    [
      [true, '/etc/passwd'],
      [true, '/'],
      [false, '/..env'],
      [false, '/...'],
      [false, '/a/..b'],
    ],
  );
});
