import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizePath } from './normalize-path.ts';

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
    ['..', '/'],
    ['./.env', '/.env'],
    ['../.git/config', '/.git/config'],
    ['/..env', '/..env'],
    ['/...', '/...'],
    ['/a..b/', '/a..b'],
    ['//.env', '/.env'],
    ['/%2e%2e/.env', '/.env'],
    ['/static\\..\\.env', '/.env'],
    ['/.ENV;jsessionid=1', '/.env'],
    ['/config.json.bak?x=/../', '/config.json.bak'],
  ];
  for (const [raw, expected] of cases) assert.equal(normalizePath(raw), expected, raw);
});
