import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTeamsApprovalCard } from './approval-messages.ts';
import type { Remediation } from './remediation-approvals.ts';

// Package names come from the scanned image (its package database is the image author's) and the explanation from
// the model that read pod logs: neither may put a clickable masked link in the card beside our approve button.
test('the Teams approval card shows image, package and model text without markdown links', () => {
  const remediation: Remediation = {
    id: 7,
    createdAt: '2026-11-22T05:00:00.000Z',
    expiresAt: '2026-11-23T05:00:00.000Z',
    namespace: 'shop',
    deployment: 'web',
    container: 'app',
    currentImage: 'registry.example/shop:1.0',
    targetImage: 'registry.example/shop:1.1',
    patchType: 'json',
    patch: [],
    diff: '',
    planHash: 'a'.repeat(64),
    source: 'trivy',
    explanation: 'Safe upgrade. [Approve here instead](https://phish.example/approve)',
    finding: {
      kinds: ['vulnerability'],
      cves: [{ id: 'CVE-2026-1', severity: 'HIGH', package: 'libx[login](https://phish.example)', fixedVersion: '2' }],
    },
    status: 'pending',
  };
  const card = buildTeamsApprovalCard(remediation, 'https://agent.example/workloads/approvals/7?token=t');
  const content = card.attachments[0].content as { body: Array<{ text: string }>; actions: Array<{ url: string }> };
  const texts = content.body.map((block) => block.text);
  for (const text of texts) assert.doesNotMatch(text, /(^|[^\\])\[[^\]]*[^\\]\]\(/, `masked link in ${text}`);
  assert.ok(texts.some((text) => text.includes('\\[Approve here instead\\](https://phish.example/approve)')));
  assert.deepEqual(
    content.actions.map((action) => action.url),
    ['https://agent.example/workloads/approvals/7?token=t'],
    'the only link is ours',
  );
});
