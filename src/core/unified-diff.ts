const CONTEXT = 3;

/**
 * A line diff for showing a planned change: `-` removed, `+` added, a few unchanged lines of context. Common
 * prefix and suffix are trimmed first, so adding one entry to a 10,000-line list stays cheap.
 */
export function lineDiff(before: string, after: string, label: string): string {
  if (before === after) return '';
  const oldLines = toLines(before);
  const newLines = toLines(after);
  let start = 0;
  while (start < oldLines.length && start < newLines.length && oldLines[start] === newLines[start]) start++;
  let oldEnd = oldLines.length;
  let newEnd = newLines.length;
  while (oldEnd > start && newEnd > start && oldLines[oldEnd - 1] === newLines[newEnd - 1]) {
    oldEnd--;
    newEnd--;
  }
  const body = middleDiff(oldLines.slice(start, oldEnd), newLines.slice(start, newEnd));
  const head = oldLines.slice(Math.max(0, start - CONTEXT), start).map((line) => `  ${line}`);
  const tail = oldLines.slice(oldEnd, oldEnd + CONTEXT).map((line) => `  ${line}`);
  return `${[`--- ${label}`, `+++ ${label}`, `@@ line ${start + 1} @@`, ...head, ...body, ...tail].join('\n')}\n`;
}

function toLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

function middleDiff(oldLines: string[], newLines: string[]): string[] {
  if (oldLines.length * newLines.length > 250_000) {
    return [...oldLines.map((line) => `- ${line}`), ...newLines.map((line) => `+ ${line}`)];
  }
  const table = Array.from({ length: oldLines.length + 1 }, () => new Array<number>(newLines.length + 1).fill(0));
  for (let i = oldLines.length - 1; i >= 0; i--) {
    for (let j = newLines.length - 1; j >= 0; j--) {
      table[i][j] = oldLines[i] === newLines[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const output: string[] = [];
  let i = 0;
  let j = 0;
  while (i < oldLines.length || j < newLines.length) {
    if (i < oldLines.length && j < newLines.length && oldLines[i] === newLines[j]) {
      output.push(`  ${oldLines[i++]}`);
      j++;
    } else if (j < newLines.length && (i === oldLines.length || table[i][j + 1] >= table[i + 1][j])) {
      output.push(`+ ${newLines[j++]}`);
    } else {
      output.push(`- ${oldLines[i++]}`);
    }
  }
  return output;
}
