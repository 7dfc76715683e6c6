import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';

/** How the proxy misbehaves for requests whose path matches `paths` (all requests when absent). */
export type Fault =
  | { kind: 'none' }
  | { kind: 'delay'; ms: number }
  /** Answer `status` (with `headers`, e.g. Retry-After) instead of forwarding; only the first `times` when set. */
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string>; times?: number }
  /** Forward, then rewrite the JSON answer to report failed shards (what a node going away mid-search looks like). */
  | { kind: 'shard_failure' }
  /** Forward `allow` requests, then drop every connection (Elasticsearch dying mid-cycle). */
  | { kind: 'die_after'; allow: number };

/**
 * A real HTTP proxy on 127.0.0.1 in front of a real Elasticsearch, injecting the faults production sees: slowness,
 * auth refusals, partial shard failures, a server vanishing mid-cycle. Counts what went through.
 */
export class FaultProxy {
  fault: Fault = { kind: 'none' };
  /** Only requests whose path contains this are faulted (e.g. `_search`); others pass. */
  pathFilter: string | undefined;
  requests: Array<{ method: string; path: string; authorization?: string; accept?: string }> = [];
  readonly #target: URL;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  readonly #scheme: 'http' | 'https';

  /** With `tls` (PEM key and certificate) the proxy speaks HTTPS to the agent and plain HTTP to the cluster. */
  constructor(targetUrl: string, tls?: { key: string; cert: string }) {
    this.#target = new URL(targetUrl);
    this.#scheme = tls ? 'https' : 'http';
    const handler = (request: IncomingMessage, response: ServerResponse) => void this.#handle(request, response);
    this.#server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    this.#server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `${this.#scheme}://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = request.url ?? '/';
    this.requests.push({
      method: request.method ?? 'GET',
      path,
      authorization: request.headers.authorization,
      accept: request.headers.accept,
    });
    const fault =
      this.pathFilter === undefined || path.includes(this.pathFilter) ? this.fault : { kind: 'none' as const };
    if (fault.kind === 'die_after' && this.requests.length > fault.allow) {
      request.socket.destroy();
      return;
    }
    if (fault.kind === 'status' && (fault.times === undefined || fault.times-- > 0)) {
      const payload = JSON.stringify(fault.body);
      response.writeHead(fault.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        ...fault.headers,
      });
      response.end(payload);
      return;
    }
    if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (response.destroyed) return;
    const upstream = httpRequest(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: request.method,
        path,
        headers: { ...request.headers, host: this.#target.host },
      },
      async (answer) => {
        const parts: Buffer[] = [];
        for await (const part of answer) parts.push(part as Buffer);
        let payload = Buffer.concat(parts);
        if (fault.kind === 'shard_failure' && /json/.test(String(answer.headers['content-type']))) {
          const json = JSON.parse(payload.toString('utf8'));
          if (json._shards) {
            json._shards.failed = 1;
            json._shards.successful = Math.max(0, Number(json._shards.total) - 1);
            json._shards.failures = [
              { shard: 0, index: 'x', reason: { type: 'node_disconnected_exception', reason: 'node left' } },
            ];
          }
          payload = Buffer.from(JSON.stringify(json));
        }
        const headers = { ...answer.headers, 'content-length': String(payload.length) };
        delete headers['transfer-encoding'];
        if (!response.destroyed) {
          response.writeHead(answer.statusCode ?? 502, headers);
          response.end(payload);
        }
      },
    );
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    upstream.end(body);
  }
}

/** A port nothing listens on (bound then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A throwaway CA and a server certificate for 127.0.0.1 (openssl), for TLS tests. */
export function makeTestCertificates(directory: string): { caPath: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=devops-agent test CA',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(join(directory, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  ]);
  return {
    caPath: join(directory, 'ca.pem'),
    key: readFileSync(join(directory, 'server.key'), 'utf8'),
    cert: readFileSync(join(directory, 'server.pem'), 'utf8'),
  };
}
