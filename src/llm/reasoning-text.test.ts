import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutReasoning } from './reasoning-text.ts';

test('the answer after a reasoning block, opened by the model or by its chat template', () => {
  assert.equal(withoutReasoning('<think>\nbraces {a} and a draft {"x":1}\n</think>\n\n{"ok":true}'), '{"ok":true}');
  assert.equal(withoutReasoning('  <think></think>{"ok":true}'), '{"ok":true}', "Qwen3's empty block (/no_think)");
  assert.equal(withoutReasoning('the client probed {"path":"/.env"}\n</think>\n{"ok":true}'), '{"ok":true}');
  assert.equal(withoutReasoning('Recap: 3 failed logins.'), 'Recap: 3 failed logins.');
});

test('a block cut off by the token limit leaves no answer; other text with such tags stays as it is', () => {
  assert.equal(withoutReasoning('<think>\nstill thinking {"verdict":'), '');
  // an answer that quotes a log line holding the tags is the answer: two closings, or an opening later, stay
  const quoted = 'The agent was "</think>" and later "</think>": {"ok":true}';
  assert.equal(withoutReasoning(quoted), quoted);
  const later = 'Answer {"ok":true} quoting <think>x</think>';
  assert.equal(withoutReasoning(later), later);
});
