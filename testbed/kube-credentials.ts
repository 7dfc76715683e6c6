import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface KubePki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
  tokenFile: string;
  adminToken: string;
  restrictedToken: string;
}

/**
 * A throwaway CA, a serving certificate for 127.0.0.1/localhost, a service-account key pair and a static token file:
 * "admin" is in system:masters; "restricted" is only system:authenticated, so RBAC grants it nothing on resources.
 */
export function createKubePki(dir: string): KubePki {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '3650', '-subj', '/CN=devops-agent-testbed-ca'],
    ...['-keyout', file('ca.key'), '-out', file('ca.crt')],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=kube-apiserver'],
    ...['-keyout', file('server.key'), '-out', file('server.csr')],
  );
  const sans = [
    'IP:127.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
  ];
  writeFileSync(file('server.ext'), `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    ...['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key')],
    ...['-CAcreateserial', '-days', '3650', '-extfile', file('server.ext'), '-out', file('server.crt')],
  );
  openssl('genrsa', '-out', file('sa.key'), '2048');
  openssl('rsa', '-in', file('sa.key'), '-pubout', '-out', file('sa.pub'));
  const adminToken = randomBytes(24).toString('hex');
  const restrictedToken = randomBytes(24).toString('hex');
  writeFileSync(
    file('tokens.csv'),
    `${adminToken},admin,admin-uid,"system:masters"\n${restrictedToken},restricted,restricted-uid\n`,
    { mode: 0o600 },
  );
  return {
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    serviceAccountKey: file('sa.key'),
    serviceAccountPublicKey: file('sa.pub'),
    tokenFile: file('tokens.csv'),
    adminToken,
    restrictedToken,
  };
}

/** A self-contained kubeconfig (CA inlined, bearer token) that kubectl and @kubernetes/client-node both read. */
export function writeKubeconfig(path: string, server: string, caCert: string, user: string, token: string): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'devops-agent-testbed',
        cluster: { server, 'certificate-authority-data': readFileSync(caCert).toString('base64') },
      },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'devops-agent-testbed', user, namespace: 'default' } }],
    'current-context': user,
    preferences: {},
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
}
