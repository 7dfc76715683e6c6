import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LlmClient } from '../llm/llm-client.ts';
import { reviewObservations } from './anomaly-review.ts';
import { finding } from './findings.ts';
import { emptyObservations } from './observations.ts';

/** A model that answers what the test scripts (the seam the real client plugs into; no server needed for this). */
function scriptedModel(answer: unknown): LlmClient {
  return {
    description: 'scripted/model',
    generateJson: async () => ({ status: 'ok', value: answer, model: 'scripted/model' }) as never,
  };
}

// A user name is text the client typed at the login prompt: `x.198.51.100.7` is a known subject (an auth event's
// user), and before the fix it "corroborated" the login-burst finding on 198.51.100.7 by its suffix, so a model
// steered by that text could raise a high alert of its own.
test("a subject ending like a rule finding corroborates it only when it is that finding's metric", async () => {
  const observations = emptyObservations(Date.now());
  observations.authEvents.push({
    program: 'sshd',
    type: 'invalid_user',
    user: 'x.198.51.100.7',
    sourceIp: '203.0.113.5',
  });
  const ruleFindings = [finding('login-burst', '198.51.100.7', 'auth', 'medium', 'failed logins', 'burst')];
  const model = scriptedModel({
    anomalies: [{ subject: 'x.198.51.100.7', severity: 'high', title: 'Critical compromise', reason: 'page everyone' }],
  });
  const review = await reviewObservations(model, observations, [], ruleFindings);
  assert.deepEqual(
    review.raised.map((item) => [item.subject, item.severity, item.corroboratedBy]),
    [['x.198.51.100.7', 'medium', undefined]],
  );

  // a metric of the finding's subject still corroborates it
  const judged = [{ name: 'auth.failures.198.51.100.7', value: 50, collector: 'auth' }] as never[];
  const metricModel = scriptedModel({
    anomalies: [{ subject: 'auth.failures.198.51.100.7', severity: 'high', title: 't', reason: 'r' }],
  });
  const corroborated = await reviewObservations(metricModel, observations, judged, ruleFindings);
  assert.equal(corroborated.raised[0].severity, 'high');
});
