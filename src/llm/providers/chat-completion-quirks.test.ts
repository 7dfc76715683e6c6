import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixChatCompletionQuirks } from './chat-completion-quirks.ts';

const call = (toolCall: unknown, message: Record<string, unknown> = {}) =>
  JSON.stringify({
    choices: [{ finish_reason: 'tool_calls', message: { content: null, tool_calls: [toolCall], ...message } }],
  });

test('object arguments become JSON text', () => {
  const fixed = fixChatCompletionQuirks(call({ id: 'a', function: { name: 'f', arguments: { city: 'Tokyo' } } }));
  assert.equal(fixed, call({ id: 'a', function: { name: 'f', arguments: '{"city":"Tokyo"}' } }));
});

test('an empty id gets a fresh one; a nameless entry is dropped', () => {
  const fixed = JSON.parse(fixChatCompletionQuirks(call({ id: '', function: { name: 'f', arguments: '{}' } })));
  assert.match(fixed.choices[0].message.tool_calls[0].id, /^call_[0-9a-f-]{36}$/);
  const nameless = JSON.parse(fixChatCompletionQuirks(call({ id: '', type: 'function' }, { content: 'text' })));
  assert.deepEqual(nameless.choices[0].message, { content: 'text', tool_calls: [] });
});

test('a refusal marks the choice content_filter', () => {
  const body = JSON.stringify({ choices: [{ finish_reason: 'stop', message: { role: 'assistant', refusal: 'No.' } }] });
  assert.equal(JSON.parse(fixChatCompletionQuirks(body)).choices[0].finish_reason, 'content_filter');
});

test('every other body is left byte for byte', () => {
  for (const body of [
    call({ id: 'a', function: { name: 'f', arguments: '{"city": "Tokyo"}' } }),
    call({ id: 'a', function: { name: 'f', arguments: null } }),
    JSON.stringify({ choices: [{ message: { content: 'x', refusal: null, tool_calls: [] } }] }),
    '{"choices": [ {"message": ',
    '{"error":{"message":"x"}}',
    '[]',
  ])
    assert.equal(fixChatCompletionQuirks(body), body);
});
