import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detachedCopy } from './detached-copy.ts';

test('detachedCopy returns an equal string, whatever it contains', () => {
  for (const text of ['', 'a', '198.51.100.254', 'Mozilla/5.0 (X11; Linux x86_64)', 'é\u{1F600}\ud800 end'])
    assert.equal(detachedCopy(text), text);
});
