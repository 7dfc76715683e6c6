import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toolArgumentsAsText } from './tool-arguments-as-text.ts';

test('object arguments become JSON text; every other body is left byte for byte', () => {
  const call = (args: unknown) =>
    JSON.stringify({
      choices: [{ message: { content: null, tool_calls: [{ function: { name: 'f', arguments: args } }] } }],
    });
  assert.equal(toolArgumentsAsText(call({ city: 'Tokyo' })), call('{"city":"Tokyo"}'));
  for (const body of [
    call('{"city": "Tokyo"}'),
    call(null),
    '{"choices": [ {"message": ',
    '{"error":{"message":"x"}}',
    '[]',
  ])
    assert.equal(toolArgumentsAsText(body), body);
});
