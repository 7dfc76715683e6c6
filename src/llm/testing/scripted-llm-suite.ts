// Test helper: the scripted LLM server a suite talks to, started before it and closed after it, with a test store
// whose audit chain must still verify once every call of the suite has been recorded.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { openTestStore, type TestStore } from './llm-test-setup.ts';
import { ScriptedLlmServer } from './scripted-llm-server.ts';

export interface ScriptedLlmSuite {
  server: ScriptedLlmServer;
  env: TestStore;
  /** The server's base URL, once `before` has run. */
  base(): string;
}

/** Call inside a `describe`: registers the suite's before/after hooks. */
export function scriptedLlmSuite(): ScriptedLlmSuite {
  const server = new ScriptedLlmServer();
  const env = openTestStore();
  let base = '';
  before(async () => {
    base = await server.start();
  });
  after(async () => {
    await server.close();
    const verification = env.store.audit.verify();
    assert.equal(verification.ok, true, verification.problem);
    env.cleanup();
  });
  return { server, env, base: () => base };
}
