import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeBinaries } from './kube-build.ts';
import { createKubePki, writeKubeconfig } from './kube-credentials.ts';
import { endpointFromKubeconfig, kubeRequest } from './kube-request.ts';
import { freePort, startDetached, stopGroup, waitUntilReady } from './server-process.ts';
import { runDir } from './testbed-paths.ts';

export interface RunningKube {
  etcd: { pid: number; port: number; logFile: string };
  apiserver: { pid: number; port: number; url: string; logFile: string };
  kubeconfig: string;
  kubeconfigRestricted: string;
}

/**
 * etcd + kube-apiserver on loopback, nothing else: no kubelet, scheduler or controllers. So a Deployment makes no
 * pods, a deleted namespace stays Terminating, and the ServiceAccount admission plugin is off (no controller would
 * create the "default" service account that it insists on).
 */
export async function startKube(binaries: KubeBinaries): Promise<RunningKube> {
  const dir = join(runDir, 'kube');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'etcd-data'), { recursive: true });
  const pki = createKubePki(join(dir, 'pki'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcdLog = join(dir, 'etcd.log');
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcdPid = startDetached({
    command: binaries.etcd,
    args: [
      ...['--name', 'testbed', '--data-dir', join(dir, 'etcd-data')],
      ...['--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl],
      ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
      ...['--initial-cluster', `testbed=${peerUrl}`],
      // Test data is disposable: skipping fsync makes etcd fast on a busy disk.
      ...['--unsafe-no-fsync', '--log-level', 'warn'],
    ],
    logFile: etcdLog,
  });
  try {
    await waitUntilReady(() => isEtcdHealthy(etcdUrl), {
      name: 'etcd',
      pgid: etcdPid,
      logFile: etcdLog,
      timeoutMs: 60_000,
    });
    const apiLog = join(dir, 'kube-apiserver.log');
    const apiPid = startDetached({
      command: binaries.kubeApiserver,
      args: [
        `--etcd-servers=${etcdUrl}`,
        ...['--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`],
        `--cert-dir=${join(dir, 'certs')}`,
        `--tls-cert-file=${pki.serverCert}`,
        `--tls-private-key-file=${pki.serverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${pki.tokenFile}`,
        '--authorization-mode=RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--disable-admission-plugins=ServiceAccount',
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
      logFile: apiLog,
    });
    const url = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(dir, 'admin.kubeconfig');
    const kubeconfigRestricted = join(dir, 'restricted.kubeconfig');
    writeKubeconfig(kubeconfig, url, pki.caCert, 'admin', pki.adminToken);
    writeKubeconfig(kubeconfigRestricted, url, pki.caCert, 'restricted', pki.restrictedToken);
    try {
      await waitUntilReady(() => isKubeReady(kubeconfig), {
        name: 'kube-apiserver',
        pgid: apiPid,
        logFile: apiLog,
        timeoutMs: 180_000,
      });
    } catch (error) {
      await stopGroup(apiPid);
      throw error;
    }
    return {
      etcd: { pid: etcdPid, port: etcdPort, logFile: etcdLog },
      apiserver: { pid: apiPid, port: apiPort, url, logFile: apiLog },
      kubeconfig,
      kubeconfigRestricted,
    };
  } catch (error) {
    await stopGroup(etcdPid);
    throw error;
  }
}

async function isEtcdHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
  return response.ok && ((await response.json()) as { health?: string }).health === 'true';
}

/** /readyz passes once etcd is reachable and the RBAC bootstrap roles exist. */
export async function isKubeReady(kubeconfig: string): Promise<boolean> {
  const response = await kubeRequest(endpointFromKubeconfig(kubeconfig), 'GET', '/readyz');
  return response.status === 200;
}
