import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globRegExp } from './glob.ts';

test('only * is a wildcard; case is kept unless ignoreCase', () => {
  assert.ok(globRegExp('traefik-*').test('traefik-2026.12.01'));
  assert.ok(!globRegExp('traefik.log').test('traefikXlog'), 'a dot is a dot');
  assert.ok(!globRegExp('a+b').test('aab'), 'regex syntax is literal');
  assert.ok(!globRegExp('Traefik-*').test('traefik-1'));
  assert.ok(globRegExp('Traefik-*', { ignoreCase: true }).test('traefik-1'));
  assert.ok(!globRegExp('logs').test('logs-extra'), 'anchored at both ends');
});
