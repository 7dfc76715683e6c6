import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { UsageError } from '../../core/errors.ts';
import { openScanInput } from './scan-input.ts';

const LINES = Array.from(
  { length: 2000 },
  (_, index) =>
    `203.0.113.${index % 250} - - [01/Dec/2026:08:00:00 +0000] "GET /.env HTTP/1.1" 404 19 "-" "curl/8.5.0" ${index + 1} "web@docker" "http://172.18.0.3:80" 1ms\n`,
).join('');

function file(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'scan-input-')), name);
  writeFileSync(path, content);
  return path;
}

async function readBack(path: string) {
  const notices: string[] = [];
  const input = await openScanInput(path, (text) => notices.push(text));
  const text = readFileSync(input.path, 'utf8');
  const mode = statSync(input.path).mode & 0o777;
  await input.close();
  return { input, text, notices, mode };
}

test('a plain log is scanned where it is, nothing copied', async () => {
  const path = file('access.log', LINES);
  const { input, text, notices } = await readBack(path);
  assert.equal(input.path, path);
  assert.equal(text, LINES);
  assert.deepEqual(notices, []);
  assert.ok(existsSync(path), 'close leaves the user file alone');
});

test("logrotate's gzip (also several members, as `cat a.gz b.gz` makes) and zstd are decompressed to a private temporary file", async () => {
  const half = LINES.length / 2;
  for (const [name, content] of [
    ['access.log.2.gz', gzipSync(LINES)],
    ['access.log.3.gz', Buffer.concat([gzipSync(LINES.slice(0, half)), gzipSync(LINES.slice(half))])],
    ['access.log.2.zst', zstdCompressSync(LINES)],
  ] as const) {
    const { input, text, notices, mode } = await readBack(file(name, content));
    assert.equal(text, LINES, name);
    assert.equal(mode, 0o600, `${name}: only the user reads the copy`);
    assert.match(notices[0]!, /compressed, decompressing it into a temporary file first/);
    assert.ok(!existsSync(input.path), `${name}: close removes the copy`);
  }
});

test('a compressed log cut short keeps its whole lines and says so', async () => {
  const whole = gzipSync(LINES, { level: 1 });
  const { text, notices } = await readBack(file('access.log.1.gz', whole.subarray(0, Math.floor(whole.length / 2))));
  assert.ok(text.length > 0 && text.length < LINES.length, `kept ${text.length} of ${LINES.length}`);
  assert.ok(text.endsWith('\n') && LINES.startsWith(text), 'only whole lines, the first ones');
  assert.match(notices.at(-1)!, /the gzip stream ends early .*scanning the \d+ bytes of whole lines before/);
});

test('a corrupt compressed log is an error naming the file; its copy is removed', async () => {
  const corrupt = gzipSync(LINES);
  corrupt.fill(0xff, 10, 40); // the deflate data, past the header
  const path = file('access.log.4.gz', corrupt);
  await assert.rejects(
    openScanInput(path, () => {}),
    (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /access\.log\.4\.gz: not a readable gzip stream/);
      return true;
    },
  );
});

test('formats Node cannot decompress are named, with the command that reads them', async () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    [
      'access.log.1.xz',
      Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]),
      /xz-compressed.*xz -dc .* \| devops-agent scan --log-file -/,
    ],
    ['access.log.1.bz2', Buffer.from('BZh91AY&SY'), /bzip2-compressed.*bzip2 -dc/],
    ['access.log.1.lz4', Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40]), /lz4-compressed.*lz4 -dc/],
    ['logs.zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0]), /zip-compressed.*unzip -p/],
  ];
  for (const [name, content, message] of cases)
    await assert.rejects(
      openScanInput(file(name, content), () => {}),
      message,
      name,
    );
});
