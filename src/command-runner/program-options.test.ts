import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import type { OptionEffect, ProgramOptions } from './option-model.ts';
import { PROGRAM_OPTIONS } from './program-options.ts';
import { defaultClassifier } from './testing/upstream-cases.ts';

const classifier = await defaultClassifier();
const verdict = (command: string) => {
  const result = classifier.classify(command);
  return `${result.level} ${result.decision}`;
};

describe('options that run a program, spawn a pager, load a config or write a file', () => {
  test('the issue: rg --pre / --hostname-bin, git joined -c, ls ;; pwd', () => {
    for (const command of [
      'rg --pre cat secret x',
      'rg --pre=cat x',
      'rg --pr=./evil.sh x',
      'rg --hostname-bin ./evil.sh x',
      'rg --hostname-bin=./evil.sh x',
      'git -ccore.pager=cat status',
      'git -ccore.fsmonitor=/tmp/x status',
      'git --config-env=core.pager=EVIL log',
    ])
      assert.equal(verdict(command), 'CRITICAL deny', command);
    assert.equal(classifier.classify('ls ;; pwd').rule, 'parse-error');
    assert.equal(verdict('ls ;;& pwd'), 'CRITICAL deny');
  });

  test('every spelling: joined, =, bundled short options, long-option prefixes, dynamic values', () => {
    const cases: Array<[string, string]> = [
      ['sort -o /etc/passwd x', 'CRITICAL deny'],
      ['sort -ro /etc/passwd x', 'CRITICAL deny'],
      ['sort -o/etc/passwd x', 'CRITICAL deny'],
      ['sort --out=/etc/passwd x', 'CRITICAL deny'],
      ['sort --compress-prog=sh x', 'CRITICAL deny'],
      ['tcpdump -nz ./evil.sh -w x.pcap', 'CRITICAL deny'],
      ['tar -tf x.tar --to-com=sh', 'CRITICAL deny'],
      ['tar tIf sh x.tar', 'CRITICAL deny'],
      ['less +!sh x', 'CRITICAL deny'],
      ['man -Pcat ls', 'CRITICAL deny'],
      ['man --pag=cat ls', 'CRITICAL deny'],
      ["sed -ne '1e id' x", 'CRITICAL deny'],
      ['sed --expr=1e\\ id x', 'CRITICAL deny'],
      ['journalctl --vacuum-t=1s', 'HIGH ask'],
      ['date --se=2020-01-01', 'HIGH ask'],
      ['rg "--pre=$EVIL" x', 'CRITICAL deny'],
      ['kubectl --kubeconfig=/tmp/k get pods', 'HIGH ask'],
      ['curl -c /etc/cron.d/x https://example.com', 'CRITICAL deny'],
      ['openssl req -new -keyout /etc/ssl/k.pem', 'CRITICAL deny'],
      ['nm --plugin /tmp/x.so a.out', 'CRITICAL deny'],
      ['time -o /etc/passwd ls', 'CRITICAL deny'],
      ['find . -name x -fprint /etc/passwd', 'CRITICAL deny'],
      ['helm template ./chart --post-renderer ./x.sh', 'CRITICAL deny'],
      ['npm ls --script-shell=./x.sh', 'CRITICAL deny'],
      ['apt-cache -o APT::Update::Pre-Invoke::=id policy', 'HIGH ask'],
      ['rpm -qa --pipe sh', 'CRITICAL deny'],
      ['go list -toolexec=/tmp/x ./...', 'CRITICAL deny'],
    ];
    for (const [command, expected] of cases) assert.equal(verdict(command), expected, command);
  });

  test('the same programs used plainly keep their level', () => {
    const cases: Array<[string, string]> = [
      ['rg --hidden -n TODO src', 'LOW allow'],
      ['rg -e --pre x', 'LOW allow'],
      ['rg --pre-glob "*.gz" foo', 'LOW allow'],
      ['sort -k2 -n x', 'LOW allow'],
      ['sort -t: -k3,3n /etc/passwd', 'LOW allow'],
      ['tcpdump -i wlan0 -c 10', 'LOW allow'],
      ['less +F /var/log/syslog', 'LOW allow'],
      ['git -C . log --oneline -n 5', 'LOW allow'],
      ['git log --output-indicator-new=+ -p', 'LOW allow'],
      ["sed -n '1,5p' x", 'LOW allow'],
      ['openssl x509 -in cert.pem -noout -dates', 'LOW allow'],
      ['time ls -o', 'SAFE allow'],
      ['man ls', 'SAFE allow'],
      // helm reads options the pflag way, whole names only: --output is the format, not a prefix of --output-dir.
      ['helm list --output json', 'LOW allow'],
      ['helm status rel --output=yaml', 'LOW allow'],
    ];
    for (const [command, expected] of cases) assert.equal(verdict(command), expected, command);
  });

  test('the table is closed over its own entries: every dangerous option in every spelling is caught', () => {
    const expected: Partial<Record<OptionEffect, RegExp>> = {
      exec: /^CRITICAL/,
      pager: /^CRITICAL/,
      config: /^(HIGH|CRITICAL)/,
      write: /^CRITICAL/,
    };
    const value: Partial<Record<OptionEffect, string>> = {
      exec: './evil',
      pager: './evil',
      config: '/tmp/evil.conf',
      write: '/etc/evil',
    };
    let checked = 0;
    for (const [program, spec] of Object.entries(PROGRAM_OPTIONS)) {
      for (const spelling of spellings(spec)) {
        const [written, effect] = spelling;
        const want = expected[effect];
        if (!want) continue;
        const command = `${program} ${written(value[effect] as string)} operand`;
        assert.match(verdict(command), want, command);
        checked++;
      }
    }
    assert.ok(checked > 300, `${checked} spellings checked`);
  });
});

/** Every way the table says an option can be written, with a function that writes it with a value. */
function spellings(spec: ProgramOptions): Array<[(value: string) => string, OptionEffect]> {
  const result: Array<[(value: string) => string, OptionEffect]> = [];
  for (const [name, effect] of Object.entries(spec.long ?? {})) {
    const bare = name.replace(/^-+/, '');
    const dashes = spec.singleDash ? ['-', '--'] : ['--'];
    for (const dash of dashes) result.push([(value) => `${dash}${bare} ${value}`, effect]);
    if (!spec.singleDash) {
      result.push([(value) => `--${bare}=${value}`, effect]);
      // pflag programs (exactLong) take whole names only; the others accept an unambiguous prefix.
      if (bare.length > 2 && !spec.exactLong) result.push([(value) => `--${bare.slice(0, -1)}=${value}`, effect]);
    }
  }
  const free = [...'qnvabcdefghijklmrstuwxyz'].find(
    (letter) => !spec.short?.[letter] && !spec.optionalShort?.includes(letter),
  );
  for (const [letter, effect] of Object.entries(spec.short ?? {})) {
    if (spec.optionalShort?.includes(letter)) {
      result.push([(value) => `-${letter}${value}`, effect]);
      continue;
    }
    result.push([(value) => `-${letter} ${value}`, effect], [(value) => `-${letter}${value}`, effect]);
    if (free) result.push([(value) => `-${free}${letter} ${value}`, effect]);
  }
  return result;
}

test('builtins that assign variables are judged like the assignment (read PATH, printf -v IFS)', () => {
  const cases: Array<[string, string]> = [
    ['read PATH', 'HIGH ask'],
    ['read -a PATH', 'HIGH ask'],
    ['printf -v IFS x', 'CRITICAL deny'],
    ['mapfile -t LD_PRELOAD < list', 'CRITICAL deny'],
    ['getopts ab BASH_ENV', 'CRITICAL deny'],
    ['read -r line', 'SAFE allow'],
    ['printf -v out %s x', 'SAFE allow'],
  ];
  for (const [command, expected] of cases) assert.equal(verdict(command), expected, command);
});

test('the environment is another spelling of the same options: assigned directly or through env/sudo', () => {
  const cases: Array<[string, string]> = [
    ['env LD_PRELOAD=/tmp/x.so ls', 'CRITICAL deny'],
    ['sudo LD_PRELOAD=/tmp/x.so ls', 'CRITICAL deny'],
    ['GIT_PAGER=sh git log', 'CRITICAL deny'],
    ['export GIT_PAGER=sh', 'CRITICAL deny'],
    ['MANPAGER=sh man ls', 'CRITICAL deny'],
    ['env LESSOPEN="|sh %s" less x', 'CRITICAL deny'],
    ['GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0=sh git log', 'CRITICAL deny'],
    ['KUBECONFIG=/tmp/k kubectl get pods', 'HIGH ask'],
    ['RIPGREP_CONFIG_PATH=/tmp/rc rg x', 'HIGH ask'],
    // Like `curl -K file` and `wget -e`: a config of the command's choosing (output, upload-file, core.pager).
    ['CURL_HOME=. curl https://example.com', 'HIGH ask'],
    ['WGETRC=./rc wget -qO- https://example.com', 'HIGH ask'],
    ['HOME=/srv/project git log', 'HIGH ask'],
    ['export XDG_CONFIG_HOME=/tmp/cfg; git status', 'HIGH ask'],
    ['env LANG=C ls', 'SAFE allow'],
    ['API_KEY=secret curl https://api.example.com', 'LOW allow'],
  ];
  for (const [command, expected] of cases) assert.equal(verdict(command), expected, command);
});

describe('input bash itself rejects is never allowed', () => {
  test('a differential check against bash -n', () => {
    const commands = [
      'ls ;; pwd',
      'ls ;& pwd',
      'ls ;;& pwd',
      ';; ls',
      'ls |',
      'ls && && pwd',
      'ls ) pwd',
      'ls ; ; pwd',
      'fi',
      'done',
      'then ls',
      'ls & & pwd',
      '{ ls',
      'echo $(',
      'ls <',
      'ls >',
      'case x in esac; ;;',
      'echo ok ;; echo ok',
    ];
    for (const command of commands) {
      const bash = spawnSync('bash', ['-n', '-c', command], { encoding: 'utf8' });
      if (bash.status === 0) continue;
      assert.equal(classifier.classify(command).decision, 'deny', `bash rejects ${JSON.stringify(command)}`);
    }
  });
});
