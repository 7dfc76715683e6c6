import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { type AgentTool, ToolRegistry } from './tool-registry.ts';

const echo: AgentTool<{ text: string }> = {
  name: 'echo',
  description: 'echo',
  argumentsSchema: z.strictObject({ text: z.string().max(50) }),
  run: async (args) => ({ status: 'ok', output: args.text }),
};

describe('ToolRegistry', () => {
  const registry = new ToolRegistry([echo as AgentTool<never>], 200);

  it('accepts a registered tool with valid arguments', () => {
    const result = registry.validate({ id: '1', name: 'echo', input: { text: 'hi' } });
    assert.equal(result.ok, true);
    if (result.ok) assert.deepEqual(result.args, { text: 'hi' });
  });

  it('refuses unknown tools, listing the known ones', () => {
    const result = registry.validate({ id: '1', name: 'rm_rf', input: {} });
    assert.deepEqual(result, { ok: false, reason: 'unknown tool "rm_rf" (known: echo)' });
  });

  it('refuses oversized, wrong-typed and extra arguments', () => {
    const big = registry.validate({ id: '1', name: 'echo', input: { text: 'a'.repeat(500) } });
    assert.equal(big.ok, false);
    if (!big.ok) assert.match(big.reason, /over guardrails\.max_tool_argument_chars \(200\)/);
    const typed = registry.validate({ id: '1', name: 'echo', input: { text: 5 } });
    if (!typed.ok) assert.match(typed.reason, /invalid arguments for echo: text:/);
    assert.equal(typed.ok, false);
    assert.equal(registry.validate({ id: '1', name: 'echo', input: { text: 'a', extra: 1 } }).ok, false);
    assert.equal(registry.validate({ id: '1', name: 'echo', input: '{"text": ' }).ok, false);
  });

  it('offers each tool with its schema', () => {
    assert.deepEqual(
      registry.offered().map((tool) => tool.name),
      ['echo'],
    );
    assert.throws(() => new ToolRegistry([echo as AgentTool<never>, echo as AgentTool<never>], 10), /twice/);
  });
});
