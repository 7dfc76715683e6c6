import assert from 'node:assert/strict';
import { test } from 'node:test';
import { camelFields, optionalCamelFields } from './row-fields.ts';

const row = { id: 7, created_at: '2026-12-01T00:00:00Z', last_pull_at: null, key_sha256: 'secret-hash' };

test('camelFields copies only the named columns, camelCased, nulls kept, in the order named', () => {
  const fields = camelFields(row, ['last_pull_at', 'id', 'created_at']);
  assert.deepEqual(fields, { lastPullAt: null, id: 7, createdAt: '2026-12-01T00:00:00Z' });
  assert.deepEqual(Object.keys(fields), ['lastPullAt', 'id', 'createdAt']);
  assert.equal('keySha256' in fields, false);
});

test('optionalCamelFields turns NULL into undefined and keeps set values', () => {
  const fields = optionalCamelFields(row, ['last_pull_at', 'created_at']);
  assert.deepEqual(Object.entries(fields), [
    ['lastPullAt', undefined],
    ['createdAt', '2026-12-01T00:00:00Z'],
  ]);
});
