/** Prints rows as aligned columns; cells are single-line text (control characters from logs are made visible). */
export function printTable(out: NodeJS.WritableStream, headers: string[], rows: string[][]): void {
  const clean = rows.map((row) => row.map((cell) => safeCell(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...clean.map((row) => row[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  out.write(`${[format(headers), ...clean.map(format)].join('\n')}\n`);
  if (rows.length === 0) out.write('(none)\n');
}

/** Log-derived text may hold terminal escape sequences: never let them reach the terminal raw. */
export function safeCell(text: string, max = 80): string {
  // C0/C1 controls (terminal escapes) and bidi overrides (text that reads differently from what it is) become visible.
  const visible = text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return visible.length > max ? `${visible.slice(0, max - 1)}…` : visible;
}

/** Multi-line text from outside (a diff naming cluster images, a report): each line made safe, newlines kept. */
export function safeLines(text: string): string {
  return text
    .split('\n')
    .map((line) => safeCell(line, Number.POSITIVE_INFINITY))
    .join('\n');
}
