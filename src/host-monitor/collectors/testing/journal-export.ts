/**
 * Turns `journalctl -o export` entries (systemd's Journal Export Format: `NAME=value` lines, or `NAME`, a 64-bit
 * little-endian size and the raw bytes for a binary value; a blank line ends an entry) into the lines `journalctl -o
 * json` prints for the same entries, so upstream export samples run through our real JSON reader. The JSON rules are
 * systemd's output_json (src/shared/logs-show.c): a value that is printable UTF-8 (newlines and tabs allowed) is a
 * string, any other an array of its bytes; a field given more than once is an array of its values. Lines that are no
 * field (an invalid name) are counted, as systemd-journal-remote refuses them.
 */
const FIELD_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const NEWLINE = 0x0a;

function jsonValue(bytes: Buffer): string | number[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return [...bytes];
  }
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) ? [...bytes] : text;
}

export function journalExportToJsonLines(data: Buffer): { lines: string[]; malformedLines: number } {
  const lines: string[] = [];
  let malformedLines = 0;
  let entry = new Map<string, Array<string | number[]>>();
  const finish = () => {
    if (entry.size === 0) return;
    const object: Record<string, unknown> = {};
    for (const [name, values] of entry) object[name] = values.length === 1 ? values[0] : values;
    lines.push(JSON.stringify(object));
    entry = new Map();
  };
  const add = (name: string, value: Buffer) => entry.set(name, [...(entry.get(name) ?? []), jsonValue(value)]);
  let at = 0;
  while (at < data.length) {
    let end = data.indexOf(NEWLINE, at);
    if (end < 0) end = data.length;
    const line = data.subarray(at, end);
    at = end + 1;
    if (line.length === 0) {
      finish();
      continue;
    }
    const equals = line.indexOf('=');
    if (equals >= 0) {
      const name = line.subarray(0, equals).toString('latin1');
      if (FIELD_NAME.test(name)) add(name, line.subarray(equals + 1));
      else malformedLines++;
      continue;
    }
    const name = line.toString('latin1');
    if (!FIELD_NAME.test(name) || at + 8 > data.length) {
      malformedLines++;
      continue;
    }
    const size = Number(data.readBigUInt64LE(at));
    add(name, data.subarray(at + 8, at + 8 + size));
    at += 8 + size + 1;
  }
  finish();
  return { lines, malformedLines };
}
