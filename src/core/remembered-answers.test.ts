import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RememberedAnswers } from './remembered-answers.ts';

test('RememberedAnswers computes each key once, undefined answers included, and stays bounded', () => {
  const computed: string[] = [];
  const answers = new RememberedAnswers<number | undefined>(3, 10);
  const length = (key: string) => {
    computed.push(key);
    return key.startsWith('x') ? undefined : key.length;
  };
  assert.equal(answers.answer('abc', length), 3);
  assert.equal(answers.answer('abc', length), 3);
  assert.equal(answers.answer('xyz', length), undefined);
  assert.equal(answers.answer('xyz', length), undefined);
  assert.deepEqual(computed, ['abc', 'xyz']);
  assert.equal(answers.answer('a much longer key', length), 17); // answered, not remembered
  assert.equal(answers.answer('a much longer key', length), 17);
  assert.equal(computed.length, 4);
  answers.answer('d', length); // the third entry: full
  answers.answer('e', length); // starts again empty
  answers.answer('abc', length);
  assert.deepEqual(computed.slice(4), ['d', 'e', 'abc']);
});
