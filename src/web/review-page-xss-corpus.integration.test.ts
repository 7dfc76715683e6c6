// Real XSS payload corpora (src/web/__fixtures__: PayloadsAllTheThings, SecLists, OWASP, payloadbox, DOMPurify) put into
// every untrusted field the review page and the workload approve-link page show, through the paths real data takes
// (log events replayed through the NetworkGuard, the LLM opinion store call, the review API, the command runner's and
// the workload guard's stores), then each view loaded in Debian's Chromium. A view passes a vector when no script ran
// (no dialog, no trap call, no CSP violation, no foreign request), no element or attribute of it exists in the DOM and
// the field's text equals the stored text. Vectors are batched per page load to keep the run short.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { requestCommandApproval } from '../command-runner/command-approvals.ts';
import type { LogEvent } from '../core/log-event.ts';
import { normalizePath } from '../core/normalize-path.ts';
import { discoverLink, kibanaBase } from '../network-guard/elasticsearch/kibana-link.ts';
import { approvalLink } from '../workload-guard/approval-links.ts';
import { getRemediation, recordRemediation } from '../workload-guard/remediation-approvals.ts';
import { auditDom, type DomAuditOptions } from './testing/dom-audit.ts';
import { loadXssVectors, type XssVector } from './testing/xss-payload-corpus.ts';
import { startWebFixture, type WebFixture } from './web-test-setup.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const STATIC = join(import.meta.dirname, 'static');
const LINK_SECRET = 'xss-corpus-link-secret-0123456789abcdef';
const AGENTS_PER_INCIDENT = 8; // the evidence keeps 8 user agents (evidence-accumulator.ts)
const VECTORS_PER_REMEDIATION = 50; // the approve page lists 50 CVEs
const SITE_PATHS_SHOWN = 100; // the page lists the first 100 public paths

const vectors = loadXssVectors();
const OPINION_FIELDS = ['status', 'verdict', 'confidence', 'recommended_action', 'reasons', 'error', 'model', 'at'];

/** One failure of one view for the vectors it concerns (a page-level problem concerns every vector of the load). */
interface Failure {
  view: string;
  vectors: number[];
  problem: string;
}
const failures: Failure[] = [];
const placed = new Map<string, Set<number>>();
const place = (view: string, index: number) => {
  if (!placed.has(view)) placed.set(view, new Set());
  placed.get(view)!.add(index);
};

/** The review page's own tags: those in index.html and those app.js creates. */
function reviewPageTags(): string[] {
  const html = readFileSync(join(STATIC, 'index.html'), 'utf8');
  const script = readFileSync(join(STATIC, 'app.js'), 'utf8');
  const tags = new Set(['html', 'head', 'body', 'tbody', 'thead', 'tr', 'td', 'th']);
  for (const match of html.matchAll(/<([a-z][a-z0-9]*)/g)) tags.add(match[1]);
  for (const match of script.matchAll(/\bel\(\s*'([a-z0-9]+)'/g)) tags.add(match[1]);
  return [...tags];
}

const REVIEW_AUDIT: DomAuditOptions = {
  allowedTags: reviewPageTags(),
  svgInside: '#chart',
  allowedUrls: ['link href=/favicon.svg', 'link href=/styles.css', 'script src=/app.js', 'a href=#detail'],
};
const APPROVAL_AUDIT: DomAuditOptions = {
  allowedTags: [
    'html',
    'head',
    'meta',
    'title',
    'body',
    'h1',
    'p',
    'ul',
    'li',
    'pre',
    'form',
    'input',
    'label',
    'button',
    'strong',
  ],
  allowedUrls: [],
};

/** What the HTML parser makes of text (the approve page is served HTML): CR and CRLF become LF, NUL becomes U+FFFD. */
const parsedText = (text: string) => text.replace(/\r\n?/g, '\n').replaceAll('\0', '\uFFFD');

interface Trap {
  page: Page;
  /** Everything that shows a script ran or tried to: dialogs, trap calls, CSP violations, errors, foreign requests. */
  signals: string[];
}

/** A page whose alert/confirm/prompt/print are traps, with CSP violations and foreign requests recorded. */
async function trappedPage(context: BrowserContext, origin: string): Promise<Trap> {
  const page = await context.newPage();
  const signals: string[] = [];
  await page.exposeBinding('__xssFired', (_source, what: string) => signals.push(`trap: ${what}`));
  await page.addInitScript(() => {
    const fire = (window as unknown as { __xssFired: (what: string) => void }).__xssFired;
    for (const name of ['alert', 'confirm', 'prompt', 'print'] as const) {
      Object.defineProperty(window, name, { value: (...args: unknown[]) => fire(`${name}(${String(args[0])})`) });
    }
    document.addEventListener('securitypolicyviolation', (event) =>
      fire(`csp ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  page.on('dialog', (dialog) => {
    signals.push(`dialog: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (error) => signals.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') signals.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) signals.push(`request: ${request.url().slice(0, 100)}`);
  });
  return { page, signals };
}

function compare(view: string, index: number, shown: string | null | undefined, stored: string): void {
  place(view, index);
  if (shown !== stored) {
    failures.push({ view, vectors: [index], problem: `text ${JSON.stringify(shown)} != ${JSON.stringify(stored)}` });
  }
}

async function checkPage(view: string, trap: Trap, audit: DomAuditOptions, indices: number[]): Promise<void> {
  for (const index of indices) place(view, index);
  const problems = [...trap.signals.splice(0), ...(await trap.page.evaluate(auditDom, audit))];
  for (const problem of problems) failures.push({ view, vectors: indices, problem });
}

const batch = <T>(items: T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

const ipOf = (batchIndex: number) => `198.18.${Math.floor(batchIndex / 250)}.${(batchIndex % 250) + 1}`;

/** A scanner probing `/.git/<vector>` with the vector as its user agent: eight of them per client IP. */
function probeEvents(ip: string, group: Array<{ vector: XssVector; index: number }>): LogEvent[] {
  const start = Date.parse('2026-11-01T10:00:00Z');
  return group.flatMap(({ vector }, position) =>
    [0, 1].map((repeat): LogEvent => {
      const time = start + position * 3000 + repeat * 30_000;
      const rawPath = `/.git/${vector.text}`;
      return {
        time,
        clientIp: ip,
        method: 'GET',
        rawPath,
        path: normalizePath(rawPath),
        status: 404,
        userAgent: vector.text,
        host: 'shop.example',
        raw: `${ip} - - [${new Date(time).toISOString()}] "GET ${rawPath} HTTP/1.1" 404 19 "-" "${vector.text}"`,
      };
    }),
  );
}

let fixture: WebFixture;
let browser: Browser;
const incidentGroups = new Map<number, number[]>(); // incident id -> vector indices
const remediationGroups = new Map<number, number[]>();

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install -y chromium chromium-driver`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const kubeconfig = join(ARTIFACTS, 'xss-corpus-kubeconfig.yaml');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  fixture = await startWebFixture({
    overrides: {
      'detection.site_profile.public_min_clients': 2,
      'kubernetes.kubeconfig': kubeconfig,
      'workloads.approval.link_secret': LINK_SECRET,
    },
  });
  const indexed = vectors.map((vector, index) => ({ vector, index }));
  const store = fixture.runtime.store;
  const groups = batch(indexed, AGENTS_PER_INCIDENT);
  // the last client gets a full burst too (fewer probes stay below the detection threshold)
  groups[groups.length - 1].push(...indexed.slice(0, AGENTS_PER_INCIDENT - groups[groups.length - 1].length));
  for (const [batchIndex, group] of groups.entries()) {
    const [incident] = await fixture.replay(probeEvents(ipOf(batchIndex), group));
    assert.ok(incident, `batch ${batchIndex} made no incident`);
    const texts = group.map(({ vector }) => vector.text);
    incidentGroups.set(
      incident.id,
      group.map(({ index }) => index),
    );
    store.incidents.setLlmOpinion(incident.id, {
      status: 'ok',
      model: texts[1],
      at: new Date().toISOString(),
      verdict: texts[0],
      confidence: 0.5,
      reasons: texts,
      recommended_action: texts[2],
      error: texts[3],
      [texts[4].slice(0, 60)]: texts[5],
    });
    if (batchIndex % 2 === 1) {
      const answer = await api('POST', `/api/incidents/${incident.id}/reject`, {
        reason: texts[6].slice(0, 1000),
        by: texts[7].slice(0, 80),
      });
      assert.equal(answer.status, 200, `reject ${incident.id}: ${JSON.stringify(answer.json)}`);
    }
  }
  for (const { vector, index } of indexed) {
    const answer = await api('POST', '/api/allowlist', {
      ipOrCidr: `10.${Math.floor(index / 250)}.${index % 250}.1`,
      description: vector.text.slice(0, 500),
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    requestCommandApproval(store, {
      command: vector.text,
      task: vector.text,
      level: 'HIGH',
      rule: vector.text,
      reason: vector.text,
      effect: { programs: [], redirectTargets: [], outsidePaths: [] },
    });
  }
  // public site paths: the host and path of two vectors, served to two clients (the profile learns only paths that
  // look sensitive, so under /.git/; replayed after the probes, which they would otherwise make public content)
  const siteEvents = indexed.slice(0, SITE_PATHS_SHOWN * 2).flatMap(({ vector }, position) =>
    position % 2 === 1
      ? []
      : ['192.0.2.10', '192.0.2.11'].map(
          (clientIp): LogEvent => ({
            time: Date.parse('2026-11-01T09:00:00Z') + position * 1000,
            clientIp,
            method: 'GET',
            rawPath: `/.git/${indexed[position + 1].vector.text}`,
            path: normalizePath(`/.git/${indexed[position + 1].vector.text}`),
            status: 200,
            userAgent: 'Mozilla/5.0',
            host: vector.text,
            raw: '',
          }),
        ),
  );
  await fixture.replay(siteEvents);
  for (const group of batch(indexed, VECTORS_PER_REMEDIATION)) {
    const texts = group.map(({ vector }) => vector.text);
    const { remediation } = recordRemediation(
      store,
      {
        namespace: texts[0],
        deployment: texts[1],
        container: texts[2],
        currentImage: texts[3],
        targetImage: texts[4],
        patchType: 'json',
        patch: [],
        planHash: `${group[0].index}`.padStart(64, '0'),
        diff: texts.join('\n'),
      },
      {
        source: 'xss-corpus',
        explanation: texts.join('\n'),
        finding: {
          kinds: ['vulnerable_image'],
          cves: texts.map((text) => ({ id: text, severity: text, package: text, fixedVersion: text })),
        },
        expirySeconds: 3600,
      },
    );
    remediationGroups.set(
      remediation.id,
      group.map(({ index }) => index),
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  const views = [...placed.keys()].map((view) => {
    const failed = new Set(failures.filter((failure) => failure.view === view).flatMap((failure) => failure.vectors));
    return {
      view,
      vectors: placed.get(view)!.size,
      passing: placed.get(view)!.size - failed.size,
      failing: failed.size,
    };
  });
  writeFileSync(
    join(ARTIFACTS, 'xss-corpus-summary.json'),
    JSON.stringify({ vectors: vectors.length, views, failures: failures.slice(0, 200) }, null, 2),
  );
  await browser?.close();
  await fixture?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers are read field by field and compared with the page
type ApiAnswer = { status: number; json: any };

async function api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(new URL(path, fixture.server.url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json', 'x-requested-with': 'devops-agent' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

test('the review page: queue and incident detail show every vector as text', { timeout: 600_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const trap = await trappedPage(context, fixture.server.url.replace(/\/$/, ''));
  const { page } = trap;
  await page.goto(fixture.server.url);
  await page.locator('.filter[data-filter="all"]').click();
  await page.locator('.filter[data-filter="all"][aria-pressed="true"]').waitFor();
  let offset = 0;
  for (;;) {
    const list = (await api('GET', `/api/incidents?status=all&limit=25&offset=${offset}`)).json;
    await page.waitForFunction(
      (first) => document.querySelector('.incident-row')?.getAttribute('data-incident-id') === String(first),
      list.incidents[0].id,
    );
    for (const incident of list.incidents) {
      const indices = incidentGroups.get(incident.id);
      if (!indices) continue; // an incident of the site-path clients: its fields are not vectors of a batch
      const row = page.locator(`.incident-row[data-incident-id="${incident.id}"]`);
      const rowPath = await row.locator('.row-path').textContent();
      compare('queue row path', indices[0], rowPath, incident.topPath);
      await row.click();
      await page.waitForFunction((ip) => document.getElementById('detail-title')?.textContent === ip, incident.ip);
      const detail = (await api('GET', `/api/incidents/${incident.id}`)).json;
      const shown = await page.evaluate(() => ({
        agents: Array.from(document.querySelectorAll('#agents tbody td.text'), (cell) => cell.textContent),
        paths: Array.from(document.querySelectorAll('#paths tbody td.text'), (cell) => cell.textContent),
        samples: document.getElementById('samples')?.textContent,
        reasons: Array.from(document.querySelectorAll('#opinion ul li'), (item) => item.textContent),
        opinion: Object.fromEntries(
          Array.from(document.querySelectorAll('#opinion dt'), (term) => [
            term.textContent,
            term.nextElementSibling?.textContent,
          ]),
        ),
        statusReason: document.getElementById('detail-reason')?.textContent,
        actions: document.getElementById('actions')?.textContent,
      }));
      const agents = detail.evidence.userAgents.slice(0, 10);
      agents.forEach((entry: { userAgent: string }, position: number) => {
        compare('detail user agent', indices[position], shown.agents[position], entry.userAgent);
      });
      detail.evidence.topPaths.slice(0, 10).forEach((entry: { path: string }, position: number) => {
        const index = indices.find((candidate) => normalizePath(`/.git/${vectors[candidate].text}`) === entry.path);
        if (index !== undefined) compare('detail path', index, shown.paths[position], entry.path);
      });
      compare('detail samples', indices[0], shown.samples, detail.evidence.samples.join('\n'));
      const opinion = detail.llmOpinion;
      opinion.reasons.forEach((reason: string, position: number) => {
        compare('LLM opinion reasons', indices[position], shown.reasons[position], reason);
      });
      compare('LLM opinion verdict', indices[0], shown.opinion.Verdict, opinion.verdict.replace(/_/g, ' '));
      compare('LLM opinion model', indices[1], shown.opinion.Model, opinion.model);
      compare('LLM opinion recommends', indices[2], shown.opinion.Recommends, opinion.recommended_action);
      compare('LLM opinion error', indices[3], shown.opinion.Error, opinion.error);
      const extraKey = Object.keys(opinion).find((key) => !OPINION_FIELDS.includes(key));
      if (extraKey) {
        compare('LLM opinion extra field', indices[5], shown.opinion[extraKey.replace(/_/g, ' ')], opinion[extraKey]);
      }
      if (detail.status === 'rejected') {
        compare('rejection reason', indices[6], shown.statusReason, `Status: ${detail.statusReason}`);
      }
      await checkPage('detail (page)', trap, REVIEW_AUDIT, indices);
    }
    offset += 25;
    if (offset >= list.total) break;
    await page.locator('#page-next').click();
  }
  await page.screenshot({ path: join(ARTIFACTS, 'review-xss-corpus-detail.png'), fullPage: true });
  await context.close();
  assert.deepEqual(
    failures.filter((failure) => !failure.view.includes('extras')),
    [],
  );
});

test('the review page: allowlist, pending commands and site paths show every vector as text', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const trap = await trappedPage(context, fixture.server.url.replace(/\/$/, ''));
  const { page } = trap;
  await page.goto(fixture.server.url);
  const allowlist = (await api('GET', '/api/allowlist')).json.entries as Array<{ description: string }>;
  const commands = (await api('GET', '/api/commands/pending')).json.approvals as Array<Record<string, string>>;
  const site = (await api('GET', '/api/site/paths')).json.paths as Array<{
    host: string;
    path: string;
    public: boolean;
  }>;
  await page.waitForFunction(
    (count) => document.querySelectorAll('#commands > li.action').length === count,
    commands.length,
  );
  const shown = await page.evaluate(() => ({
    allowlist: Array.from(document.querySelectorAll('#allowlist .entry > span.muted'), (span) => span.textContent),
    tasks: Array.from(
      document.querySelectorAll('#commands .action-head > span:nth-child(2)'),
      (span) => span.textContent,
    ),
    commands: Array.from(document.querySelectorAll('#commands pre.log'), (pre) => pre.textContent),
    reasons: Array.from(document.querySelectorAll('#commands .action > div.muted'), (div) => div.textContent),
    site: Array.from(document.querySelectorAll('#site-paths .entry > span.mono'), (span) => span.textContent),
  }));
  const byText = new Map(vectors.map((vector, index) => [vector.text, index]));
  const indexOf = (text: string, fallback: number) => byText.get(text) ?? fallback;
  allowlist.forEach((entry, position) => {
    compare(
      'extras allowlist description',
      indexOf(entry.description, position),
      shown.allowlist[position],
      entry.description,
    );
  });
  commands.forEach((approval, position) => {
    const index = indexOf(approval.task, position);
    compare('extras command task', index, shown.tasks[position], approval.task);
    compare('extras command', index, shown.commands[position], approval.command);
    compare('extras command rule and reason', index, shown.reasons[position], `${approval.rule}: ${approval.reason}`);
  });
  site
    .filter((row) => row.public)
    .slice(0, SITE_PATHS_SHOWN)
    .forEach((row, position) => {
      compare('extras site path', indexOf(row.host, position), shown.site[position], `${row.host}${row.path}`);
    });
  await checkPage(
    'extras (page)',
    trap,
    REVIEW_AUDIT,
    vectors.map((_, index) => index),
  );
  await context.close();
  assert.deepEqual(
    failures.filter((failure) => failure.view.includes('extras')),
    [],
  );
});

test('the workload approve-link page shows every vector as text', async () => {
  const context = await browser.newContext();
  const origin = fixture.server.url.replace(/\/$/, '');
  const trap = await trappedPage(context, origin);
  for (const [id, indices] of remediationGroups) {
    const remediation = getRemediation(fixture.runtime.store, id)!;
    const link = approvalLink(origin, LINK_SECRET, id, remediation.planHash, new Date(Date.now() + 3600_000));
    const response = await trap.page.goto(link);
    assert.equal(response?.status(), 200);
    const shown = await trap.page.evaluate(() => ({
      paragraphs: Array.from(document.querySelectorAll('body > p'), (p) => p.textContent),
      cves: Array.from(document.querySelectorAll('body > ul > li'), (li) => li.textContent),
      diff: document.querySelector('body > pre')?.textContent,
    }));
    const texts = indices.map((index) => vectors[index].text);
    const view = 'workload approve page';
    compare(
      view,
      indices[0],
      shown.paragraphs[0],
      parsedText(`Deployment ${texts[0]}/${texts[1]}, container ${texts[2]}`),
    );
    compare(view, indices[3], shown.paragraphs[1], parsedText(`${texts[3]} -> ${texts[4]}`));
    compare(view, indices[5], shown.paragraphs[2], parsedText(texts.join('\n')));
    texts.forEach((text, position) => {
      compare(view, indices[position], shown.cves[position], parsedText(`${text} ${text} ${text} fixed in ${text}`));
    });
    compare(view, indices[6], shown.diff, parsedText(texts.join('\n')).replace(/^\n/, ''));
    await checkPage(view, trap, APPROVAL_AUDIT, indices);
  }
  await context.close();
  assert.deepEqual(
    failures.filter((failure) => failure.view.startsWith('workload')),
    [],
  );
});

test('every page carries a CSP without inline script; Kibana links keep the configured origin', async () => {
  for (const path of ['/', '/app.js', '/api/incidents', '/workloads/approvals/1']) {
    const response = await fetch(new URL(path, fixture.server.url));
    const policy = response.headers.get('content-security-policy') ?? '';
    assert.match(policy, path.startsWith('/workloads') ? /default-src 'none'/ : /script-src 'self'/, path);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    // the approve page carries a decision form: it must not be framed (clickjacking) nor re-based, whatever its CSP
    assert.match(policy, /frame-ancestors 'none'/, path);
    assert.match(policy, /base-uri 'none'/, path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
  }
  const javascriptUrls = vectors.map((vector) => vector.text).filter((text) => /^\s*(javascript|data):/i.test(text));
  assert.ok(javascriptUrls.length > 10, 'the corpus has javascript: and data: URL vectors');
  for (const text of javascriptUrls) assert.throws(() => kibanaBase(text));
  for (const { text } of vectors) {
    const link = discoverLink({
      kibanaUrl: 'https://kibana.example/base',
      dataView: text,
      field: text,
      ips: [text],
      from: 0,
      to: 1,
    });
    const url = new URL(link);
    assert.equal(url.origin, 'https://kibana.example', link);
    assert.ok(url.pathname.startsWith('/base/app/discover'), link);
  }
});
