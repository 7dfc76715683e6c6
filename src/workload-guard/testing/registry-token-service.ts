// A token service as Docker's token spec describes it (what auth.docker.io and the distribution registry's `token`
// auth speak): GET <realm>?service=...&scope=repository:<name>:<actions> answers {"token": <JWT>}, the JWT signed
// ES256 by a key the registry trusts through a JWKS file, granting the access the scope asked for. Tests only.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenService {
  realm: string;
  issuer: string;
  /** Every token request, as URLs (service and scope in the query). */
  requests: URL[];
  /** The tokens it answered those requests with, in order. */
  issued: string[];
  /** A token the registry accepts for `access` (what a pusher sends). */
  mint(access: Access[]): string;
  /** Seconds a token is valid from now (default 300); the registry adds 60 s of leeway to the expiry. */
  lifetime: number;
  close(): Promise<void>;
}

/**
 * Starts the service on a free loopback port and writes the JWKS the registry must be given. `grant` decides the
 * access a token carries for the scopes asked (default: all of them), so a test can hand out a token that is too
 * narrow, as an auth service does for a repository the user may not pull.
 */
export async function startTokenService(
  jwksFile: string,
  service: string,
  grant: (asked: Access[]) => Access[] = (asked) => asked,
): Promise<TokenService> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomBytes(8).toString('hex');
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] }),
  );
  const issuer = 'devops-agent-test-token-service';
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const mint = (access: Access[]) => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + tokenService.lifetime;
    const claims = { iss: issuer, sub: 'anonymous', aud: service, iat: now, nbf: now - 5, exp, access };
    const signed = `${encode({ alg: 'ES256', typ: 'JWT', kid })}.${encode({ ...claims, jti: randomBytes(8).toString('hex') })}`;
    const signature = sign('sha256', Buffer.from(signed), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signed}.${signature.toString('base64url')}`;
  };
  const requests: URL[] = [];
  const issued: string[] = [];
  const issue = (asked: Access[]) => {
    issued.push(mint(grant(asked)));
    return issued.at(-1);
  };
  let origin = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    requests.push(url);
    const asked = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ').map(parseScope));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        token: issue(asked.filter((access) => access !== undefined)),
        expires_in: Math.max(tokenService.lifetime, 1),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenService: TokenService = {
    lifetime: 300,
    realm: `${origin}/token`,
    issuer,
    requests,
    issued,
    mint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return tokenService;
}

/** `repository:team/app:pull,push` (the name may not hold a colon, the actions may not either). */
function parseScope(scope: string): Access | undefined {
  const match = /^([a-z]+):([^:]+):([a-z,*]+)$/.exec(scope);
  return match ? { type: match[1], name: match[2], actions: match[3].split(',') } : undefined;
}
