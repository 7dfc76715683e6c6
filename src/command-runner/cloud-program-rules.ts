import type { Finding } from './danger-level.ts';
import type { ShellWord } from './path-rules.ts';
import { finding, isLongOption, operands, type ProgramRule, text } from './rule-helpers.ts';

/**
 * Cloud and cluster CLIs whose commands are a path of words (`aws ec2 describe-instances`, `az network vnet list`,
 * `argocd app get`, `helm repo list`): listed read forms are LOW, every other form changes something (HIGH). Reads
 * that print credentials, and options that send the CLI's credentials elsewhere, are held like kubectl's.
 */

/** The long option as written (`--server` for `--server=x`), or undefined for a word that is not a long option. */
function longName(word: ShellWord): string | undefined {
  const value = word.value;
  if (value === undefined || !value.startsWith('--')) return undefined;
  return value.split('=')[0];
}

/** Leading words of the command path: the operands before the first option (`az vm list --query x` -> vm, list). */
function commandPath(args: readonly ShellWord[], globalValues: readonly string[]): string[] {
  const path: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const word = args[index];
    const value = word.value;
    if (value === undefined) break;
    if (value.startsWith('-')) {
      // Global options before the path (`aws --region x ec2 ...`); after the path has begun, options end it.
      if (path.length > 0) break;
      if (globalValues.includes(value)) index++;
      continue;
    }
    path.push(value);
  }
  return path;
}

const has = (args: readonly ShellWord[], ...names: string[]) =>
  args.some((word) => {
    const name = longName(word);
    return name !== undefined && names.includes(name);
  });

const credentialRead = (what: string) => finding('HIGH', 'cloud-secret-read', what);

/** For aws, whose argparse also takes an unambiguous prefix (`--endpoint` for `--endpoint-url`). */
const hasPrefixed = (args: readonly ShellWord[], name: string) =>
  args.some((word) => word.value !== undefined && isLongOption(word.value, name));

/** AWS operations whose answer is a credential, a password or a token (or the key to decrypt one). */
const AWS_SECRET_OPERATION =
  /secret-value|password|credential|token|login|session|api-key|private-key|key-material|decrypt|export-credentials/;

/** AWS reads: describe-/list-/get-/head-/lookup- operations, and a few named ones. */
const AWS_READ_OPERATION = /^(describe|list|get|head|lookup|batch-get)-[a-z0-9-]+$/;
const AWS_GLOBAL_VALUES = [
  '--region',
  '--profile',
  '--output',
  '--query',
  '--endpoint-url',
  '--ca-bundle',
  '--color',
  '--cli-read-timeout',
  '--cli-connect-timeout',
  '--cli-binary-format',
];

const aws: ProgramRule = (args) => {
  const [service, operation, ...rest] = commandPath(args, AWS_GLOBAL_VALUES);
  const found: Finding[] = [];
  // The request (signed with the profile's keys) goes to whatever host --endpoint-url names.
  if (hasPrefixed(args, '--endpoint-url'))
    found.push(finding('HIGH', 'cloud-credential-send', 'aws --endpoint-url sends signed requests to another host'));
  // botocore's debug log prints every request's headers, the session token among them.
  if (hasPrefixed(args, '--debug'))
    found.push(credentialRead('aws --debug prints request headers with the session token'));
  if (hasPrefixed(args, '--no-verify-ssl'))
    found.push(finding('MEDIUM', 'insecure-transport', 'aws --no-verify-ssl sends credentials to an unverified host'));
  // `aws`, `aws help`, `aws ec2 help`, `aws s3 cp help`: help pages.
  if (
    service === undefined ||
    service === 'help' ||
    operation === undefined ||
    operation === 'help' ||
    rest.join() === 'help'
  )
    return [...found, finding('LOW', 'cloud-read', `aws ${service ?? ''} help`)];
  const command = `aws ${service} ${operation}`;
  if (
    AWS_SECRET_OPERATION.test(operation) ||
    (service === 'configure' && operation === 'get') ||
    (service === 'ssm' && hasPrefixed(args, '--with-decryption')) ||
    hasPrefixed(args, '--include-value')
  )
    return [...found, credentialRead(`${command} prints a credential`)];
  // Operations that stream their answer take a file name as a bare word (`get-object --bucket b --key k out`).
  if (/^get-/.test(operation) && outfileWord(args, operation))
    return [...found, finding('MEDIUM', 'file-write', `${command} writes its answer to a file`)];
  if (
    AWS_READ_OPERATION.test(operation) ||
    (service === 's3' && operation === 'ls') ||
    (service === 'logs' && /^(tail|filter-log-events)$/.test(operation)) ||
    (service === 'configure' && (operation === 'list' || operation === 'list-profiles'))
  )
    return [...found, finding('LOW', 'cloud-read', `${command} only reads`)];
  return [...found, finding('HIGH', 'cloud-change', `${command} changes cloud resources`)];
};

/** A bare word after the operation that no option took as its value: the outfile of a streaming operation. */
function outfileWord(args: readonly ShellWord[], operation: string): boolean {
  const start = args.findIndex((word) => word.value === operation) + 1;
  let previousWasOption = false;
  for (const word of args.slice(start)) {
    const value = text(word);
    if (value.startsWith('--')) {
      previousWasOption = !value.includes('=');
      continue;
    }
    if (!previousWasOption) return true;
    previousWasOption = false;
  }
  return false;
}

/** Azure CLI command words that reveal keys, passwords, tokens, connection strings or app settings. */
const AZ_SECRET_WORD =
  /^(keys|secret|secrets|credential|credentials|get-credentials|get-access-token|get-shared-keys|list-keys|list-secrets|show-connection-string|list-connection-strings|connection-string|appsettings|generate-sas|list-publishing-profiles|list-publishing-credentials|get-publishing-profile|list-credentials|regenerate-key)$|sas-token|password|access-key/;

const az: ProgramRule = (args) => {
  const path = commandPath(args, ['--subscription', '--output', '-o', '--query']);
  const verb = path.at(-1);
  if (path.some((word) => AZ_SECRET_WORD.test(word)))
    return [credentialRead(`az ${path.join(' ')} prints keys, tokens or secrets`)];
  if (
    verb === undefined ||
    path.join(' ') === 'help' ||
    path.join(' ') === 'version' ||
    /^(list|show|exists|check-name|wait|tail|query|list-[a-z0-9-]+|show-[a-z0-9-]+|get-[a-z0-9-]+)$/.test(verb)
  )
    return [finding('LOW', 'cloud-read', `az ${path.join(' ')} only reads`)];
  return [finding('HIGH', 'cloud-change', `az ${path.join(' ')} changes cloud resources`)];
};

/** Argo CD reads, by group (`argocd app get`); `version`, bare `context` and `account can-i` too. */
const ARGOCD_READS: Record<string, RegExp> = {
  app: /^(list|get|resources|diff|history|manifests|logs|wait)$/,
  appset: /^(list|get)$/,
  cluster: /^(list|get)$/,
  proj: /^(list|get)$/,
  repo: /^(list|get)$/,
  repocreds: /^list$/,
  cert: /^list$/,
  gpg: /^(list|get)$/,
  account: /^(list|get|get-user-info|can-i)$/,
};

const argocd: ProgramRule = (args) => {
  const [group, command, detail] = operands(args, [
    '--server',
    '--config',
    '--auth-token',
    '-o',
    '--output',
    '--loglevel',
    '--logformat',
    '--port-forward-namespace',
  ]).map(text);
  const found: Finding[] = [];
  // argocd sends the current context's token to the server --server names (like kubectl --server).
  if (args.some((word) => word.value !== undefined && isLongOption(word.value, '--server')))
    found.push(
      finding('HIGH', 'cloud-credential-send', 'argocd --server sends the session token to the host it names'),
    );
  if (has(args, '--plaintext', '--insecure'))
    found.push(finding('MEDIUM', 'insecure-transport', 'argocd sends its token without TLS or without verifying it'));
  // `--local` renders the application from a local directory with the local config management tools.
  if (group === 'app' && command === 'diff' && has(args, '--local'))
    found.push(finding('HIGH', 'local-render', 'argocd app diff --local runs the local manifest generators'));
  // `admin dashboard` serves the Argo CD API on a local port, with the kubeconfig's rights and no login.
  if (group === 'admin' && command === 'dashboard')
    return [...found, finding('MEDIUM', 'local-server', 'argocd admin dashboard serves the API on a local port')];
  if (
    group === undefined ||
    group === 'version' ||
    (group === 'admin' && command === 'settings' && detail === undefined) ||
    (group === 'context' && command === undefined) ||
    (command !== undefined && ARGOCD_READS[group]?.test(command))
  )
    return [...found, finding('LOW', 'cloud-read', `argocd ${group ?? ''} ${command ?? ''} only reads`)];
  return [...found, finding('HIGH', 'cloud-change', `argocd ${group} ${command ?? ''} changes Argo CD or its login`)];
};

/** Helm reads, with the read forms of its command groups (`helm repo list`) and the helm-diff plugin. */
const HELM_READS =
  /^(list|ls|status|get|history|hist|show|inspect|search|template|version|env|lint|verify|help|completion)$/;
const HELM_GROUP_READS: Record<string, RegExp> = {
  repo: /^(list|ls)$/,
  plugin: /^(list|ls)$/,
  dependency: /^(list|ls)$/,
  dep: /^(list|ls)$/,
  registry: /^$/,
  diff: /^(upgrade|revision|rollback|release|version)$/,
};

const helm: ProgramRule = (args) => {
  const [command, inner] = operands(args, [
    '-n',
    '--namespace',
    '--kube-context',
    '--kubeconfig',
    '-o',
    '--output',
    '--repository-config',
    '--repository-cache',
    '--registry-config',
  ]).map(text);
  if (command === undefined) return [finding('SAFE', 'helm-status', 'helm without a sub-command (help)')];
  if (Object.hasOwn(HELM_GROUP_READS, command)) {
    if (HELM_GROUP_READS[command].test(inner ?? ''))
      return [finding('LOW', 'helm-read', `helm ${command} ${inner ?? ''} only reads`)];
    return [finding('HIGH', 'helm-change', `helm ${command} ${inner ?? ''} changes releases, repositories or plugins`)];
  }
  // `helm get values|manifest|all|hooks` print what the release was installed with (`--set db.password=...`) and
  // its rendered manifests, Secrets included: held like `kubectl get secret -o yaml`. Helm 2's `helm get RELEASE`
  // printed the same (Helm 3 refuses it), so any word but the reads `notes` and `metadata` is held.
  if (command === 'get' && inner !== undefined && !/^(notes|metadata|help)$/.test(inner))
    return [
      finding('HIGH', 'kubernetes-secret-read', `helm get ${inner} prints the release's values and rendered Secrets`),
    ];
  if (HELM_READS.test(command)) return [finding('LOW', 'helm-read', `helm ${command} only reads`)];
  return [finding('HIGH', 'helm-change', `helm ${command} changes the system`)];
};

export const CLOUD_PROGRAM_RULES: Record<string, ProgramRule> = { aws, az, argocd, helm };
