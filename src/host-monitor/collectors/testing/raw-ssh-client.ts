import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * The plaintext start of an SSH connection (RFC 4253) with every client field chosen by the caller: the lines before
 * and as the identification string, a KEXINIT with any name-lists, a DISCONNECT with any reason and text. Run in the
 * attacker's namespace: reads one JSON request on stdin, prints `{"localPort":N}` when sshd closed the connection.
 */
export interface RawRequest {
  host: string;
  port: number;
  localAddress: string;
  /** Sent as is right after connecting (banner lines with their line ends). */
  identification: string;
  kexinit?: { kex: string; hostKey: string; cipher: string; mac: string; compression: string };
  disconnect?: { code: number; text: string };
}

const nameList = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** An unencrypted binary packet: length, padding length, payload, random padding to a multiple of 8. */
function packet(payload: Buffer) {
  let padding = 8 - ((payload.length + 5) % 8);
  if (padding < 4) padding += 8;
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length + padding + 1);
  header.writeUInt8(padding, 4);
  return Buffer.concat([header, payload, randomBytes(padding)]);
}

function kexinitPacket(offer: NonNullable<RawRequest['kexinit']>) {
  const lists = [offer.kex, offer.hostKey, offer.cipher, offer.cipher, offer.mac, offer.mac];
  lists.push(offer.compression, offer.compression, '', '');
  return packet(Buffer.concat([Buffer.from([20]), randomBytes(16), ...lists.map(nameList), Buffer.alloc(5)]));
}

function disconnectPacket(code: number, text: string) {
  const reason = Buffer.alloc(4);
  reason.writeUInt32BE(code);
  return packet(Buffer.concat([Buffer.from([1]), reason, nameList(text), nameList('')]));
}

async function run(request: RawRequest) {
  const socket = connect({ host: request.host, port: request.port, localAddress: request.localAddress });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const localPort = socket.localPort;
  let received = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    received = Buffer.concat([received, chunk]);
  });
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(request.identification);
  // The server's identification first, so what follows is read as packets.
  const until = Date.now() + 5000;
  while (!received.includes('\r\n') && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  if (request.kexinit) socket.write(kexinitPacket(request.kexinit));
  if (request.disconnect) socket.write(disconnectPacket(request.disconnect.code, request.disconnect.text));
  const timer = setTimeout(() => socket.destroy(), 10_000);
  await closed;
  clearTimeout(timer);
  process.stdout.write(`${JSON.stringify({ localPort })}\n`);
}

if (import.meta.main) {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  await run(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawRequest);
}
