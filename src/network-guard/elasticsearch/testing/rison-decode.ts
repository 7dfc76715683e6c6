/**
 * A strict rison decoder written from the rison grammar, for tests: it reads what Kibana's decoder (`rison-node`,
 * wrapped by `@kbn/rison`) reads and throws where it throws, so a test can check our links the way Kibana parses them.
 *
 *   value  := object | array | '!t' | '!f' | '!n' | number | string | id
 *   object := '(' [ key ':' value { ',' key ':' value } ] ')'      key := id | string | number
 *   array  := '!(' [ value { ',' value } ] ')'
 *   string := "'" { char | '!!' | "!'" } "'"                         no other '!' escape, no whitespace anywhere
 *   id     := a first character outside `-0123456789` and ` '!:(),*@$`, then characters outside ` '!:(),*@$`
 */
export type RisonValue = null | boolean | number | string | RisonValue[] | { [key: string]: RisonValue };

const notIdChar = " '!:(),*@$";
const notIdStart = '-0123456789';

export function decodeRison(text: string): RisonValue {
  const reader = { text, at: 0 };
  const value = readValue(reader);
  if (reader.at !== text.length)
    throw new Error(`rison: unexpected ${JSON.stringify(text.slice(reader.at))} at ${reader.at}`);
  return value;
}

interface Reader {
  text: string;
  at: number;
}

function readValue(reader: Reader): RisonValue {
  const char = reader.text[reader.at];
  if (char === undefined) throw new Error('rison: empty expression');
  if (char === '(') return readObject(reader);
  if (char === "'") return readString(reader);
  if (char === '!') {
    const next = reader.text[reader.at + 1];
    reader.at += 2;
    if (next === 't') return true;
    if (next === 'f') return false;
    if (next === 'n') return null;
    if (next === '(') return readList(reader, ')');
    throw new Error(`rison: unknown literal !${next ?? ''}`);
  }
  if (char === '-' || (char >= '0' && char <= '9')) return readNumber(reader);
  return readId(reader);
}

function readObject(reader: Reader): Record<string, RisonValue> {
  reader.at += 1;
  const object: Record<string, RisonValue> = {};
  let first = true;
  while (reader.text[reader.at] !== ')') {
    if (reader.at >= reader.text.length) throw new Error("rison: unmatched '('");
    if (!first) expect(reader, ',');
    const key = readValue(reader);
    if (typeof key === 'object' || typeof key === 'boolean') throw new Error('rison: object key must be a string');
    expect(reader, ':');
    object[String(key)] = readValue(reader);
    first = false;
  }
  reader.at += 1;
  return object;
}

function readList(reader: Reader, close: string): RisonValue[] {
  const list: RisonValue[] = [];
  while (reader.text[reader.at] !== close) {
    if (reader.at >= reader.text.length) throw new Error("rison: unmatched '!('");
    if (list.length > 0) expect(reader, ',');
    list.push(readValue(reader));
  }
  reader.at += 1;
  return list;
}

function readString(reader: Reader): string {
  let result = '';
  reader.at += 1;
  for (;;) {
    const char = reader.text[reader.at];
    if (char === undefined) throw new Error('rison: unmatched quote');
    reader.at += 1;
    if (char === "'") return result;
    if (char === '!') {
      const escaped = reader.text[reader.at];
      if (escaped !== '!' && escaped !== "'") throw new Error(`rison: invalid string escape !${escaped ?? ''}`);
      result += escaped;
      reader.at += 1;
    } else result += char;
  }
}

function readNumber(reader: Reader): number {
  const match = /^-?\d*(\.\d+)?([eE]-?\d+)?/.exec(reader.text.slice(reader.at));
  const literal = match?.[0] ?? '';
  if (literal === '' || literal === '-' || !/\d/.test(literal)) throw new Error('rison: invalid number');
  reader.at += literal.length;
  return Number(literal);
}

function readId(reader: Reader): string {
  const start = reader.at;
  if (notIdStart.includes(reader.text[start]) || notIdChar.includes(reader.text[start]))
    throw new Error(`rison: invalid character ${JSON.stringify(reader.text[start])} at ${start}`);
  while (reader.at < reader.text.length && !notIdChar.includes(reader.text[reader.at])) reader.at += 1;
  return reader.text.slice(start, reader.at);
}

function expect(reader: Reader, char: string): void {
  if (reader.text[reader.at] !== char) throw new Error(`rison: missing '${char}' at ${reader.at}`);
  reader.at += 1;
}

/**
 * The URL states of a Kibana link read the way Kibana reads them: the query of the hash (or of the URL itself) through
 * `URLSearchParams`, each value through rison.
 */
export function kibanaUrlStates(url: string, where: 'hash' | 'search' = 'hash'): Record<string, RisonValue> {
  const base = new URL(url, 'http://relative.invalid/');
  const query =
    where === 'hash' ? new URL(base.hash.slice(1), 'http://relative.invalid/').searchParams : base.searchParams;
  const states: Record<string, RisonValue> = {};
  for (const [key, value] of query) states[key] = decodeRison(value);
  return states;
}
