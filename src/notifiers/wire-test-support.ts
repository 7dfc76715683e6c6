import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after } from 'node:test';
import type { NotifierSettings } from './create-notifier.ts';
import { type LoopbackServer, type Responder, startLoopbackServer } from './loopback-http-server.ts';

/** Helpers for the wire-protocol and markup tests: fixtures, documented responses replayed, settings per kind. */

export function readFixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${path}`, import.meta.url), 'utf8')) as T;
}

/** A response as the services document it: status, headers and a body that is either text or JSON. */
export interface DocumentedResponse {
  status: number;
  headers?: Record<string, string>;
  contentType?: string;
  body: unknown;
}

export function answer(response: ServerResponse, documented: DocumentedResponse): void {
  const text = typeof documented.body === 'string' ? documented.body : JSON.stringify(documented.body);
  const contentType =
    documented.contentType ?? (typeof documented.body === 'string' ? 'text/plain' : 'application/json');
  response.writeHead(documented.status, { 'content-type': contentType, ...documented.headers });
  response.end(text);
}

const servers: LoopbackServer[] = [];
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

export async function serve(respond: Responder): Promise<LoopbackServer> {
  const server = await startLoopbackServer(respond);
  servers.push(server);
  return server;
}

/** Answers `first` once, then `then` for every later request. */
export function firstThen(first: DocumentedResponse, then: DocumentedResponse): Responder {
  return (_request, response, index) => answer(response, index === 0 ? first : then);
}

/** Settings of each kind pointing at a loopback URL, with two retries. */
export function settingsFor(kind: string, url: string): NotifierSettings {
  const common = { timeout: 5, max_retries: 2 };
  switch (kind) {
    case 'discord':
      return { kind, webhook_url: `${url}/api/webhooks/111/discord-token-secret`, ...common };
    case 'home-assistant':
      return {
        kind,
        url,
        token: 'ha-token',
        tts_entity: 'tts.piper',
        media_player_entity_id: 'media_player.kitchen',
        max_speech_characters: 200,
        ...common,
      };
    case 'slack':
      return { kind, webhook_url: `${url}/services/T000/B000/slack-secret`, ...common };
    case 'teams':
      return { kind, webhook_url: `${url}/workflows/teams-secret`, ...common };
    case 'webhook':
      return { kind, url: `${url}/hook`, signature_header: 'X-Signature-256', headers: {}, ...common };
    default:
      throw new Error(`no settings for ${kind}`);
  }
}

/** Records the pauses the retry policy asks for instead of sleeping. */
export function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (milliseconds: number) => void waits.push(milliseconds) };
}

/** A lone surrogate means a cut through an astral character: invalid text for every service. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
