import { readFileSync } from 'node:fs';

/**
 * Test support: the rule tests of Wazuh (`ruleset/testing/tests/*.ini`) and OSSEC-HIDS (`contrib/ossec-testing/tests/
 * *.ini`), copied unchanged into __fixtures__/wazuh/. Each section names a rule, its level and decoder, and gives log
 * lines as `log <n> pass = <line>` (wazuh-logtest must give that rule, level and decoder) or `log <n> fail = <line>`
 * (it must not: the line is decoded otherwise or fires another rule). Both projects' runtests.py read the files with
 * configparser: `;` starts a comment, keys are lower-cased, and repeated keys are one multi-line value, fed to
 * wazuh-logtest line after line (how the frequency rules such as 5763 get their 8 lines).
 */
export interface WazuhCase {
  /** `<file>:<line>`, for messages. */
  at: string;
  section: string;
  /** true: upstream expects the section's rule for this line; false: it expects the rule not to fire. */
  pass: boolean;
  rule: string;
  level: number;
  decoder: string;
  line: string;
}

export function wazuhIniCases(file: string): WazuhCase[] {
  const url = new URL(`../../__fixtures__/wazuh/${file}`, import.meta.url);
  const rows = readFileSync(url, 'utf8').split('\n');
  const cases: WazuhCase[] = [];
  let section:
    | { name: string; logs: Omit<WazuhCase, 'rule' | 'level' | 'decoder'>[]; keys: Map<string, string> }
    | undefined;
  const close = () => {
    if (!section) return;
    for (const log of section.logs)
      cases.push({
        ...log,
        rule: section.keys.get('rule') ?? '',
        level: Number(section.keys.get('alert')),
        decoder: section.keys.get('decoder') ?? '',
      });
  };
  rows.forEach((row, index) => {
    if (row.trim() === '' || row.startsWith(';')) return;
    const header = /^\[(.*)\]\s*$/.exec(row);
    if (header) {
      close();
      section = { name: header[1], logs: [], keys: new Map() };
      return;
    }
    const pair = /^([^=]+?)\s*=\s*(.*?)\s*$/.exec(row);
    if (!pair || !section) throw new Error(`${file}:${index + 1}: not a key = value line`);
    const log = /^log \d+ (pass|fail)$/.exec(pair[1].toLowerCase());
    if (log)
      section.logs.push({ at: `${file}:${index + 1}`, section: section.name, pass: log[1] === 'pass', line: pair[2] });
    else section.keys.set(pair[1].toLowerCase(), pair[2]);
  });
  close();
  return cases;
}
