import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSlackApprovalMessage, buildTeamsApprovalCard } from './approval-messages.ts';
import type { Remediation } from './remediation-approvals.ts';

// Package names come from the scanned image (its package database is the image author's) and the explanation from
// the model that read pod logs: neither may put a clickable masked link in the card beside our approve button.
function remediationWith(explanation: string, packageName: string): Remediation {
  return {
    id: 7,
    createdAt: '2026-11-22T05:00:00.000Z',
    expiresAt: '2026-11-23T05:00:00.000Z',
    kind: 'Deployment',
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
    explanation,
    finding: {
      kinds: ['vulnerability'],
      cves: [{ id: 'CVE-2026-1', severity: 'HIGH', package: packageName, fixedVersion: '2' }],
    },
    status: 'pending',
  };
}

test('the Teams approval card shows image, package and model text without markdown links', () => {
  const remediation = remediationWith(
    'Safe upgrade. [Approve here instead](https://phish.example/approve)',
    'libx[login](https://phish.example)',
  );
  const card = buildTeamsApprovalCard(remediation, 'https://agent.example/workloads/approvals/7?token=t');
  const content = card.attachments[0].content as { body: Array<{ text: string }>; actions: Array<{ url: string }> };
  const texts = content.body.map((block) => block.text);
  // No `](` anywhere (teams-notifier.ts: a zero-width space after each `]`), and the text still reads as written.
  for (const text of texts) assert.doesNotMatch(text, /\]\(/, `masked link in ${text}`);
  assert.ok(texts.some((text) => text.includes('[Approve here instead]\u200B(https://phish.example/approve)')));
  assert.deepEqual(
    content.actions.map((action) => action.url),
    ['https://agent.example/workloads/approvals/7?token=t'],
    'the only link is ours',
  );
});

// The same texts in Slack: mentions and links are control sequences (<!channel>, <https://x|label>) unless escaped, and
// `verbatim` stops Slack from linking channel names or parsing mentions in what is left.
test('the Slack approval message escapes image, package and model text and sends it verbatim', () => {
  const remediation = remediationWith('<!channel> approve now: <https://phish.example/approve|Approve>', 'libx<@U123>');
  const message = buildSlackApprovalMessage(remediation);
  const sections = message.blocks.filter((block) => block.type === 'section') as Array<{
    text: { text: string; verbatim?: boolean };
  }>;
  assert.equal(sections.length, 2);
  for (const { text } of sections) {
    assert.equal(text.verbatim, true);
    assert.doesNotMatch(text.text, /<[!@#]|<https?:/, text.text);
  }
  assert.ok(
    sections[0]!.text.text.includes('&lt;!channel&gt; approve now: &lt;https://phish.example/approve|Approve&gt;'),
  );
  assert.ok(sections[0]!.text.text.includes('libx&lt;@U123&gt;'));
});

test('the approval request names the kind, says how the change reaches pods and how to roll it back', () => {
  const note = 'updateStrategy OnDelete: no pod is restarted; each pod keeps the old image until it is deleted';
  const remediation = { ...remediationWith('', 'redis'), kind: 'StatefulSet' as const, rolloutNote: note };
  const message = buildSlackApprovalMessage(remediation);
  assert.match(message.text, /^Patch StatefulSet shop\/web\? \(remediation #7\)$/);
  const details = (message.blocks[1] as { text: { text: string } }).text.text;
  assert.ok(details.includes(`Rollout: ${note}`), details);
  assert.ok(details.includes('rollback: devops-agent workloads rollback --kind StatefulSet shop/web'), details);
  const card = buildTeamsApprovalCard(remediation, undefined);
  const texts = (card.attachments[0].content as { body: Array<{ text: string }> }).body.map((block) => block.text);
  assert.equal(texts[0], 'Patch StatefulSet shop/web? (remediation #7)');
  assert.ok(texts.includes(`Rollout: ${note}`));
});
