/** What to rotate when a path leaked: the secrets such a file or endpoint usually holds. First match wins. */
const ADVICE: ReadonlyArray<[RegExp, string]> = [
  [
    /\/\.env|env\.php|\.flaskenv|\.envrc/,
    'every secret in the environment file: database passwords, API keys, the app secret/signing key',
  ],
  [
    /\/\.git(\/|$)|\.git-credentials|\.gitconfig/,
    'tokens in the git remote URLs and anything ever committed (assume the source and its history leaked)',
  ],
  [/\.aws\/|\.boto|\.s3cfg/, 'the AWS access keys (deactivate them in IAM) and any session tokens'],
  [
    /gcloud|service-?account|credentials\.json|google-services/,
    'the Google Cloud service-account keys (delete the key in IAM)',
  ],
  [/\.azure\//, 'the Azure credentials and tokens'],
  [/kube|admin\.conf/, 'the Kubernetes credentials: client certificates and service-account tokens in the kubeconfig'],
  [
    /\.ssh\/|id_rsa|id_ed25519|id_ecdsa|id_dsa|\.pem$|\.key$|keystore/,
    'the private keys (replace them and remove the public keys from authorized_keys)',
  ],
  [
    /wp-config|config\.php|configuration\.php|settings\.php|localsettings|database\.(yml|php)|db\.(php|ini)/,
    'the database password and the application salts/keys in the config file',
  ],
  [
    /\.sql(\.|$)|dump|backup/,
    'everything in the dumped database: user password hashes, tokens and personal data (treat as a data breach)',
  ],
  [/tfstate|tfvars|\.terraform/, 'every secret in the Terraform state (provider credentials, generated passwords)'],
  [
    /\.npmrc|\.pypirc|\.yarnrc|\.docker|dockercfg|\.netrc|\.pgpass|\.my\.cnf/,
    'the registry/login tokens and passwords in the dotfile',
  ],
  [
    /actuator|heapdump|pprof|debug|profiler|phpinfo|server-status|jolokia/,
    'the secrets in the process environment and memory (env vars, connection strings, session keys)',
  ],
  [/secret|credential|token|master\.key|vault/, 'the secrets the file or endpoint holds'],
];

export function rotationAdvice(paths: readonly string[]): string[] {
  const advice = new Set<string>();
  for (const path of paths) {
    const match = ADVICE.find(([pattern]) => pattern.test(path));
    advice.add(match ? `${path}: rotate ${match[1]}` : `${path}: rotate whatever secrets it contains`);
  }
  return [...advice];
}
