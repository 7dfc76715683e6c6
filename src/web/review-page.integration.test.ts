// The review page in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; no browser is
// downloaded). Incidents come from log events replayed through the NetworkGuard in review mode.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { scanEvents, startWebFixture, type WebFixture } from './web-test-setup.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const XSS_AGENT = '<img src=x onerror=alert(1)>';
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** A missing browser is a failed test with the fix in its message, never a silent skip. */
function assertChromium(): void {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} not found: apt-get install -y chromium chromium-driver (or set CHROMIUM_PATH)`,
  );
}

interface PageProblems {
  dialogs: string[];
  errors: string[];
}

/** Opens a page that records every dialog (and dismisses it), script error and console error (CSP violations). */
async function openPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    problems.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('401')) problems.errors.push(message.text());
  });
  return { page, problems };
}

describe('review page in headless Chromium', () => {
  let fixture: WebFixture;
  let browser: Browser;
  const ids: Record<string, number> = {};

  before(async () => {
    assertChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    fixture = await startWebFixture();
    for (const [ip, userAgent] of [
      ['203.0.113.50', 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))'],
      ['203.0.113.66', XSS_AGENT],
    ]) {
      const [incident] = await fixture.replay(scanEvents(ip, { userAgent }));
      ids[ip] = incident.id;
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    await fixture?.close();
  });

  test('shows the replayed incident, its evidence and diff; approving applies the block and shows the outcome', async () => {
    fixture.runtime.store.incidents.setLlmOpinion(ids['203.0.113.50'], {
      status: 'ok',
      model: 'ollama/llama3',
      at: new Date().toISOString(),
      verdict: 'secrets_scanning',
      confidence: 0.93,
      reasons: ['probes /.env and /.git/config within seconds', 'nuclei user agent'],
      recommended_action: 'block',
    });
    const context = await browser.newContext({ viewport: DESKTOP });
    const { page, problems } = await openPage(context);
    await page.goto(fixture.server.url);
    const row = page.locator('.incident-row', { hasText: '203.0.113.50' });
    await row.waitFor();
    assert.match(String(await page.locator('.filter[aria-pressed="true"]').textContent()), /Waiting for review\s*2/);
    await row.click();
    await page.locator('#detail-title', { hasText: '203.0.113.50' }).waitFor();
    await page.locator('#plan-diff .diff-line.add', { hasText: '203.0.113.50' }).waitFor();
    assert.match(String(await page.locator('#who').textContent()), /not allowlisted/);
    assert.match(String(await page.locator('#agents').textContent()), /Nuclei/);
    assert.match(String(await page.locator('#paths').textContent()), /\/\.env/);
    assert.match(String(await page.locator('#samples').textContent()), /GET \/\.git\/config HTTP\/1\.1/);
    const bars = page.locator('#chart svg rect.bar');
    assert.equal(await bars.count(), 10); // the 2 minutes seen, in a 10-minute window
    assert.deepEqual(
      await bars.evaluateAll((nodes) =>
        nodes.slice(-2).map((node) => node.querySelector('title')?.textContent?.slice(-3)),
      ),
      [': 9', ': 3'],
    );
    const opinion = String(await page.locator('#opinion').textContent());
    for (const part of ['secrets scanning', '93%', 'block', 'nuclei user agent', 'ollama/llama3']) {
      assert.ok(opinion.includes(part), `LLM opinion shows ${part}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'review-desktop-detail.png'), fullPage: true });

    await page.getByRole('button', { name: 'Approve and block' }).click();
    await page.locator('#outcome.success', { hasText: 'added 203.0.113.50' }).waitFor();
    assert.match(readFileSync(fixture.denylist, 'utf8'), /- 203\.0\.113\.50/);
    await page.locator('#detail-badges .status-blocked').waitFor();
    await page.locator('#actions .action-applied').waitFor();
    assert.match(String(await page.locator('#decision-closed').textContent()), /this incident is blocked/);
    await page.screenshot({ path: join(ARTIFACTS, 'review-desktop-approved.png'), fullPage: true });
    assert.deepEqual(problems, { dialogs: [], errors: [] });
    await context.close();
  });

  test('a user agent holding HTML renders as literal text: no element, no dialog', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const { page, problems } = await openPage(context);
    await page.goto(fixture.server.url);
    await page.locator('.incident-row', { hasText: '203.0.113.66' }).click();
    await page.locator('#detail-title', { hasText: '203.0.113.66' }).waitFor();
    const agentCell = page.locator('#agents td', { hasText: XSS_AGENT });
    await agentCell.waitFor();
    assert.equal(await agentCell.textContent(), XSS_AGENT);
    assert.equal(await agentCell.isVisible(), true);
    assert.match(String(await page.locator('#samples').textContent()), /"<img src=x onerror=alert\(1\)>"/);
    assert.equal(await page.locator('img').count(), 0);
    // give a would-be onerror handler time to run
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'review-xss-as-text.png'), fullPage: true });
    assert.deepEqual(problems, { dialogs: [], errors: [] });
    await context.close();
  });

  test('the queue refreshes by itself and works from the keyboard; reject needs a reason', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const { page, problems } = await openPage(context);
    await page.goto(fixture.server.url);
    await page.locator('.incident-row', { hasText: '203.0.113.66' }).waitFor();
    const [incident] = await fixture.replay(scanEvents('203.0.113.77'));
    const row = page.locator('.incident-row', { hasText: '203.0.113.77' });
    await row.waitFor({ timeout: 15_000 }); // appears without a reload (polling)
    assert.equal(await page.locator('.incident-row').first().getAttribute('data-incident-id'), String(incident.id));

    await row.focus();
    await page.keyboard.press('Enter');
    await page.locator('#detail-title', { hasText: '203.0.113.77' }).waitFor();
    await page.locator('#reject').focus();
    await page.keyboard.press('Enter');
    await page.locator('#outcome.error', { hasText: 'Give a reason' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'reject-reason');
    await page.keyboard.type('known pentest from our red team');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'reject');
    await page.keyboard.press('Enter');
    await page.locator('#outcome.success', { hasText: 'known pentest' }).waitFor();
    await page.locator('#detail-badges .status-rejected').waitFor();
    assert.equal(fixture.runtime.store.incidents.get(incident.id)?.status, 'rejected');
    const outline = await page.evaluate(() => {
      const button = document.querySelector('.filter') as HTMLElement;
      button.focus();
      return getComputedStyle(button).outlineStyle;
    });
    assert.equal(outline, 'solid'); // keyboard focus is visible
    assert.deepEqual(problems, { dialogs: [], errors: [] });
    await context.close();
  });

  test('phone width (dark scheme): one column, the detail and decision buttons fit the screen', async () => {
    const [incident] = await fixture.replay(scanEvents('203.0.113.88'));
    const context = await browser.newContext({
      viewport: PHONE,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      colorScheme: 'dark',
    });
    const { page, problems } = await openPage(context);
    await page.goto(fixture.server.url);
    const row = page.locator('.incident-row', { hasText: '203.0.113.88' });
    await row.waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'review-phone-queue.png') });
    await row.click();
    await page.locator('#detail-title', { hasText: '203.0.113.88' }).waitFor();
    await page.locator('#plan-diff .diff-line.add', { hasText: '203.0.113.88' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone screen`);
    const approve = await page.locator('#approve').boundingBox();
    assert.ok(approve && approve.x >= 0 && approve.x + approve.width <= PHONE.width);
    await page.locator('#detail').screenshot({ path: join(ARTIFACTS, 'review-phone-detail.png') });
    assert.equal(fixture.runtime.store.incidents.get(incident.id)?.status, 'pending');
    assert.deepEqual(problems, { dialogs: [], errors: [] });
    await context.close();
  });
});

describe('review page with a bearer token', () => {
  test('asks for the token once, keeps it in sessionStorage and never in the URL', async () => {
    assertChromium();
    const fixture = await startWebFixture({ token: 'browser-test-token' });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      await fixture.replay(scanEvents('203.0.113.99'));
      const context = await browser.newContext({ viewport: DESKTOP });
      const { page, problems } = await openPage(context);
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(fixture.server.url);
      await page.locator('#token-dialog[open]').waitFor();
      await page.getByLabel('Token', { exact: true }).fill('browser-test-token');
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.locator('.incident-row', { hasText: '203.0.113.99' }).waitFor();
      assert.equal(await page.evaluate(() => sessionStorage.getItem('devops-agent-token')), 'browser-test-token');
      assert.equal(
        requested.some((url) => url.includes('browser-test-token')),
        false,
      );
      assert.deepEqual(problems.dialogs, []);
      await context.close();
    } finally {
      await browser.close();
      await fixture.close();
    }
  });
});
