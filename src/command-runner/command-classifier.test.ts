import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../config/load-config.ts';
import { execSection } from '../config/sections/exec.ts';
import { ConfigError } from '../core/errors.ts';
import { createCommandClassifier } from './command-classifier.ts';
import { commandPolicyFrom, loadCommandClassifier } from './command-policy.ts';

const defaults = execSection.parse({});
const classifier = await createCommandClassifier(commandPolicyFrom(defaults), '/srv/project');
const level = (command: string) => classifier.classify(command).level;

describe('command classifier', () => {
  test('the spec table: SAFE/LOW allow, MEDIUM/HIGH ask, CRITICAL deny', () => {
    const cases: Array<[string, string, string]> = [
      ['df -h', 'SAFE', 'allow'],
      ['cat /etc/hosts', 'LOW', 'allow'],
      ['mkdir /tmp/test', 'MEDIUM', 'ask'],
      ['rm /tmp/file', 'HIGH', 'ask'],
      ['rm -rf /', 'CRITICAL', 'deny'],
    ];
    for (const [command, expectedLevel, decision] of cases) {
      const result = classifier.classify(command);
      assert.equal(result.level, expectedLevel, command);
      assert.equal(result.decision, decision, command);
    }
  });

  test('what does not parse is denied, naming the problem', () => {
    for (const command of ['ls "', 'echo $((', 'if true; then ls', 'ls; )', '', '   ']) {
      const result = classifier.classify(command);
      assert.equal(result.level, 'CRITICAL', command);
      assert.match(result.rule, /parse-error|empty-command/);
    }
    assert.match(classifier.classify('ls "').reason, /not valid bash/);
  });

  test('dynamic and obfuscated program names are denied, even harmless-looking ones', () => {
    for (const command of ['$x', '$(echo ls)', '`echo ls`', "$'\\x6c\\x73'", '${IFS}ls', '/???/l?', 'l{s,}'])
      assert.equal(level(command), 'CRITICAL', command);
    assert.equal(classifier.classify("$'\\x72m' -rf /").rule, 'obfuscated-command-name');
    assert.match(classifier.classify("$'\\x72m' x").reason, /"rm"/);
  });

  test('wrappers are unwrapped and the effect lists every program with its arguments', () => {
    const result = classifier.classify('sudo -u app env A=1 nice -n 5 timeout 10 rm -f ./old.log');
    assert.equal(result.level, 'HIGH');
    assert.deepEqual(
      result.programs.map((program) => program.program),
      ['sudo', 'env', 'nice', 'timeout', 'rm'],
    );
    assert.deepEqual(result.programs.at(-1)?.args, ['-f', './old.log']);
  });

  test('pipelines and lists take the highest level', () => {
    assert.equal(level('df -h | grep sda'), 'SAFE');
    assert.equal(level('ls && mkdir ./x'), 'MEDIUM');
    assert.equal(level('ls; rm ./x; mkdir ./y'), 'HIGH');
    assert.equal(level('ls || rm -rf /'), 'CRITICAL');
  });

  test('redirects count: system paths and devices are CRITICAL, elsewhere at least MEDIUM, /dev/null is free', () => {
    assert.equal(level('echo x > /etc/motd'), 'CRITICAL');
    assert.equal(level('echo x > /dev/sda'), 'CRITICAL');
    assert.equal(level('echo x > ./out.txt'), 'MEDIUM');
    assert.equal(level('echo x > $OUT'), 'HIGH');
    assert.equal(level('ls 2>/dev/null'), 'SAFE');
    assert.equal(level('ls 2>&1'), 'SAFE');
    const result = classifier.classify('echo a > ./a.txt 2>> /tmp/err.log');
    assert.deepEqual(result.redirectTargets, ['./a.txt', '/tmp/err.log']);
    assert.deepEqual(result.outsidePaths, ['/tmp/err.log']);
  });

  test('paths outside the working directory are listed for the approval prompt', () => {
    const result = classifier.classify('cp ./a ../b /etc/hosts ~/x');
    assert.deepEqual(result.outsidePaths.sort(), ['/etc/hosts', '/home/~/x', '/srv/b']);
  });

  test('a single plain command gets an argv (run without a shell); anything with shell syntax does not', () => {
    assert.deepEqual(classifier.classify("ls -la '/var/log'").argv, ['ls', '-la', '/var/log']);
    for (const command of ['ls *.log', 'echo $HOME', 'ps aux | head', 'ls > x', 'A=1 ls', 'ls; ls'])
      assert.equal(classifier.classify(command).argv, undefined, command);
  });

  test('where bash and the grammar could disagree, bash wins or the command is denied', () => {
    // Nested backticks run in bash; the grammar reads them as text, so backtick bodies are parsed again.
    assert.equal(classifier.classify('echo `echo \\`rm -rf /\\``').rule, 'recursive-force-delete');
    assert.equal(classifier.classify('echo ${x:-`rm -rf /`}').rule, 'unparsed-substitution');
    assert.equal(classifier.classify('cat <<EOF\n`rm -rf /`\nEOF').rule, 'unparsed-substitution');
    assert.equal(classifier.classify("cat <<'EOF'\n`rm -rf /`\nEOF").level, 'LOW', 'quoted here-document is literal');
    assert.equal(classifier.classify('ls\rrm -rf /').rule, 'control-characters');
    assert.equal(classifier.classify('echo hello\u2028rm -rf /').rule, 'control-characters');
    assert.equal(classifier.classify('echo "a\u2029b"').rule, 'control-characters');
    assert.equal(level("echo '`x`' \\`y\\`"), 'SAFE');
    assert.equal(level('echo "`uname -r`" $(date)'), 'SAFE');
  });

  test('nested shells are followed to a limit', () => {
    let command = 'rm -rf /';
    for (let depth = 0; depth < 3; depth++) command = `bash -c ${JSON.stringify(command)}`;
    assert.equal(classifier.classify(command).rule, 'recursive-force-delete');
    let deep = 'ls';
    for (let depth = 0; depth < 9; depth++) deep = `sh -c '${deep.replaceAll("'", "'\\''")}'`;
    assert.equal(classifier.classify(deep).level, 'CRITICAL');
  });
});

describe('rules found while checking against Codex (codex-command-safety.test.ts)', () => {
  test('sed file commands after an address or without a space write or read files', () => {
    const cases: Array<[string, string, string]> = [
      ["sed -n '1,5w /tmp/x' f", 'MEDIUM', 'file-write'],
      ["sed -n '$w/etc/cron.d/x' f", 'CRITICAL', 'system-path-write'],
      ["sed -n '/x/w /etc/passwd' f", 'CRITICAL', 'system-path-write'],
      ["sed -n 'r /etc/shadow' f", 'HIGH', 'secret-file'],
      ["sed -n '1R ~/.ssh/id_rsa' f", 'HIGH', 'secret-file'],
      ["sed -n 'r notes.txt' f", 'LOW', 'stream-edit'],
      ["sed -n '/warn/p' f", 'LOW', 'stream-edit'],
      ["sed 's/war/peace/' f", 'LOW', 'stream-edit'],
    ];
    for (const [command, expected, rule] of cases) {
      const result = classifier.classify(command);
      assert.deepEqual([result.level, result.rule], [expected, rule], command);
    }
  });

  test('git commands that drop history or reflog entries, in every spelling, are held', () => {
    for (const command of [
      'git reflog expire --expire=now --all',
      'git reflog delete HEAD@{1}',
      'git clean --force',
      'git clean --forc -d',
      'git clean -Xf',
      'git reset --ha',
      'git stash drop',
      'git stash clear',
    ])
      assert.deepEqual([level(command), classifier.classify(command).rule], ['HIGH', 'git-discard'], command);
    assert.equal(level('git branch --set-upstream-to=origin/main'), 'HIGH');
    assert.equal(level('git branch --edit-description'), 'HIGH', 'runs an editor and writes config');
    assert.equal(level('git reflog'), 'LOW');
    assert.equal(level('git reflog show --all'), 'LOW');
    assert.equal(level('git stash list'), 'LOW');
    assert.equal(level('git worktree list'), 'LOW');
    assert.equal(level('git branch list'), 'HIGH', 'creates a branch named list');
    // A filter implies --list: the commit is its value and other operands are patterns.
    assert.equal(level('git branch --contains abc123'), 'LOW');
    assert.equal(level('git tag --points-at HEAD'), 'LOW');
    assert.equal(level('git branch -c --contains a b'), 'HIGH', 'copies a branch');
    assert.equal(level('git tag -a v1 --contains HEAD'), 'HIGH', 'creates an annotated tag');
  });
});

describe('rules found while checking against Qwen Code (qwen-shell-read-only.test.ts)', () => {
  test('sed scripts are read command by command: e and w without a space, any s delimiter, -i in clusters', () => {
    const cases: Array<[string, string]> = [
      ["sed 'etouch marker' file", 'sed-execute'],
      ["sed '1etouch marker' file", 'sed-execute'],
      ["sed 's#a#printf hacked > marker#pe' file", 'sed-execute'],
      ["sed 'woutput' file", 'file-write'],
      ["sed '/pattern/woutput' file", 'file-write'],
      ["sed 's/a/b/woutput' file", 'file-write'],
      ['sed -newout input', 'file-write'],
      ["sed -ni.bak 's/a/b/' file", 'in-place-edit'],
      ["sed -I.bak 's/a/b/' file", 'in-place-edit'],
      ["sed --in-pl=.bak 's/a/b/' file", 'in-place-edit'],
      ['sed s/a/*/ file', 'dynamic-script'],
    ];
    for (const [command, rule] of cases) {
      const result = classifier.classify(command);
      assert.ok(
        result.findings.some((found) => found.rule === rule),
        `${command}: ${result.rule}`,
      );
      assert.notEqual(result.decision, 'allow', command);
    }
    for (const command of [
      "sed 's/a/woutput/' file",
      "sed 's#x#foo;woutput#' file",
      "sed -n '/needle/p' file",
      "sed 'p;d' file",
      "sed -n '/re/{p;q}' file",
      "sed ':a;N;$!ba;s/\\n/ /g' file",
      "sed 'y/abc/xyz/' file",
    ])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });

  test('awk: indirect calls, @include, -W exec and printing to a computed file name are held', () => {
    assert.equal(level('awk \'BEGIN { fn = "system"; @fn("touch /tmp/pwned") }\''), 'CRITICAL');
    assert.equal(level('awk \'{ cmd = "sh"; print "id" | cmd }\''), 'CRITICAL');
    assert.equal(level('awk \'@include "library.awk"\' file'), 'HIGH');
    assert.equal(level('awk -W exec=script.awk file'), 'HIGH');
    assert.equal(level("awk '{ print > output }' file"), 'HIGH');
    assert.equal(level("awk '$3 > limit { print }' file"), 'LOW', 'a comparison is not a redirect');
  });

  test('a word that may become an option at run time holds programs whose options run or write', () => {
    for (const command of [
      'X=-delete; find . $X',
      'rg $X pattern',
      'sort "$OPTIONS" input',
      'sort {-o,output} input',
      'git status "$OPTIONS"',
    ])
      assert.equal(classifier.classify(command).rule, 'dynamic-option', command);
    // Where the script assigns the word, it is also rated as bash expands it: rg --pre=sh runs a shell.
    assert.equal(level('X=--pre=sh; rg $X pattern'), level('rg --pre=sh pattern'));
    for (const command of ['find . -name "$X"', 'find . -path "$P" -type f', 'ls $DIR', 'cat "$FILE"', 'echo $PATH'])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });

  test('tree --output and uniq with a glob write; git paths after -- and remote get-url only read', () => {
    assert.equal(level('tree --output=tree.txt'), 'MEDIUM');
    assert.equal(level('uniq *'), 'MEDIUM');
    assert.equal(level('git log -- --output=log.out'), 'LOW');
    assert.equal(level('git remote get-url origin'), 'LOW');
  });

  test('an argument that spells printable text as escapes is held: the approver cannot read it', () => {
    // Continue's terminal-security case `echo $'\x72\x6d' -rf /` (disabled there) ran as SAFE.
    for (const command of [
      "echo $'\\x72\\x6d' -rf /",
      "echo $'\\162\\155'",
      "grep $'\\u0070assword' notes.txt",
      "bash -c $'\\x6c\\x73'",
    ])
      assert.equal(classifier.classify(command).rule, 'hidden-text', command);
    // Escapes for what cannot be typed (tab, newline, colours, a quote) are what $'...' is for.
    for (const command of [
      "sort -t $'\\t' -k2 data.tsv",
      "printf '%s' $'a\\nb'",
      "echo $'\\033[31mred\\033[0m'",
      "echo $'It\\'s'",
    ])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });
});

describe('rules found while checking against Gemini CLI (gemini-cli-shell-safety.test.ts)', () => {
  test('${var@P} runs the command substitutions in the value, wherever the expansion stands', () => {
    for (const command of [
      'echo ${foo@P}',
      'echo "${x=\\140id\\140}${x@P}"',
      'echo ${arr[@]@P}',
      'for i in ${x@P}; do echo $i; done',
      '[[ ${x@P} == a ]]',
      'cat <<EOF\n${x@P}\nEOF',
      'x=${y@P}',
    ]) {
      const result = classifier.classify(command);
      assert.equal(result.rule, 'prompt-expansion', command);
      assert.equal(result.decision, 'deny', command);
    }
    for (const command of ['echo ${x@Q} ${x@U} ${x@E}', 'echo ${x/@P/}', 'echo "$x@P"', 'echo ${arr[@]}'])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });

  test('rg -z runs decompressors on what its search reaches: held; other rg reads are not', () => {
    for (const command of ['rg -z needle', 'rg -nz needle', 'rg --search-zip needle .', 'rg --search-z needle'])
      assert.equal(classifier.classify(command).rule, 'runs-decompressors', command);
    for (const command of ['rg needle', 'rg --no-search-zip needle', 'rg -- -z', 'rg -n needle src'])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });

  test('the key file google-github-actions/auth writes is a credential, by name or by a pattern spelling its start', () => {
    for (const command of [
      'cat gha-creds-0123456789abcdef.json',
      'cat gha-creds-*.json',
      'jq . /home/runner/work/app/app/gha-creds-1a2b.json',
    ])
      assert.equal(classifier.classify(command).rule, 'secret-file', command);
    for (const command of ['cat *.json', 'cat src/*.ts', 'cat gha-creds.md'])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });
});

describe('rules found while checking against Amazon Q CLI (amazon-q-command-safety.test.ts)', () => {
  test('the rest of a line after a here-document start runs: redirects, pipes and chained commands', () => {
    // The grammar nests these inside the here-document node.
    const cases: Array<[string, string]> = [
      ['cat <<EOF > out\nx\nEOF', 'file-write'],
      ['cat <<-EOF >> out\n\tx\n\tEOF', 'file-write'],
      ["cat <<'EOF' > /etc/passwd\nx\nEOF", 'system-path-write'],
      ['grep x <<EOF 2> out\nx\nEOF', 'file-write'],
      ['cat <<EOF > $(rm x)\nx\nEOF', 'delete'],
      ['cat <<EOF | tee out\nx\nEOF', 'file-write'],
      ['cat <<EOF | sh\necho hi\nEOF', 'pipe-to-shell'],
      ['cat <<EOF | cat | bash\necho hi\nEOF', 'pipe-to-shell'],
      ['cat <<EOF | tee out && rm x\nx\nEOF', 'delete'],
      ['cat <<EOF && rm -rf /\nx\nEOF', 'recursive-force-delete'],
      ['cat <<EOF || rm x\nx\nEOF', 'delete'],
      ['bash <<EOF > out\nrm -rf /\nEOF', 'recursive-force-delete'],
    ];
    for (const [command, rule] of cases) {
      const result = classifier.classify(command);
      assert.notEqual(result.decision, 'allow', command);
      assert.equal(result.rule, rule, command);
    }
    assert.equal(classifier.classify('cat <<EOF | grep x\nx\nEOF').decision, 'allow');
    assert.equal(classifier.classify('cat <<EOF 2>&1\nx\nEOF').decision, 'allow');
  });
});

describe('command policy (config exec.policy)', () => {
  test('program overrides replace the built-in rule; structural rules still apply', async () => {
    const exec = execSection.parse({ policy: { programs: { df: 'HIGH', rm: 'MEDIUM' } } });
    const custom = await createCommandClassifier(commandPolicyFrom(exec), '/srv/project');
    assert.equal(custom.classify('df -h').level, 'HIGH');
    assert.equal(custom.classify('df -h').rule, 'policy:df');
    assert.equal(custom.classify('rm ./x').level, 'MEDIUM');
    assert.equal(custom.classify('rm ./x > /etc/passwd').level, 'CRITICAL', 'redirect rule still applies');
  });

  test('extra rules only raise, and the default level applies to unknown programs', async () => {
    const exec = execSection.parse({
      policy: {
        rules: [{ name: 'no-prod-context', pattern: '^kubectl .*--context[= ]prod', level: 'HIGH' }],
        default_level: 'HIGH',
      },
    });
    const custom = await createCommandClassifier(commandPolicyFrom(exec), '/srv/project');
    assert.equal(custom.classify('kubectl get pods --context prod').level, 'HIGH');
    assert.equal(custom.classify('kubectl get pods --context prod').rule, 'policy:no-prod-context');
    assert.equal(custom.classify('kubectl get pods --context staging').level, 'LOW');
    assert.equal(custom.classify('frobnicate --all').level, 'HIGH');
  });

  test('self-tests run at load; a failing one is a config error naming the key', async () => {
    const exec = execSection.parse({
      policy: {
        self_tests: [
          { command: 'df -h', level: 'SAFE' },
          { command: 'mkdir ./x', level: 'LOW' },
        ],
      },
    });
    await assert.rejects(loadCommandClassifier(exec, '/srv/project'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, [
        'exec.policy.self_tests.1: "mkdir ./x" is MEDIUM (rule create-directory) but must be LOW',
      ]);
      return true;
    });
  });

  test('a policy that would let a CRITICAL sentinel through is refused', async () => {
    const exec = execSection.parse({ policy: { programs: { rm: 'LOW', dd: 'MEDIUM' } } });
    await assert.rejects(loadCommandClassifier(exec, '/srv/project'), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.problems.some((problem) => problem.includes('"rm -rf /" is LOW')));
      assert.ok(error.problems.some((problem) => problem.includes('"dd if=/dev/zero of=/dev/sda" is MEDIUM')));
      return true;
    });
  });

  test('config: defaults, and a bad pattern or level names its key path', () => {
    const directory = mkdtempSync(join(tmpdir(), 'exec-config-'));
    after(() => rmSync(directory, { recursive: true, force: true }));
    const path = join(directory, 'config.yaml');
    writeFileSync(
      path,
      'exec:\n  policy:\n    rules:\n      - { name: x, pattern: "([", level: HIGH }\n    default_level: MAYBE\n',
    );
    const result = loadConfig({ path, env: {} });
    assert.equal(result.config, undefined);
    assert.ok(
      result.errors.some((error) => error.startsWith('exec.policy.rules.0.pattern')),
      result.errors.join('\n'),
    );
    assert.ok(
      result.errors.some((error) => error.startsWith('exec.policy.default_level')),
      result.errors.join('\n'),
    );
    assert.equal(defaults.timeout, 30);
    assert.equal(defaults.sandbox.mode, 'auto');
    assert.equal(defaults.retry.max_retries, 3);
  });
});

describe('rules found while checking against Goose (goose-command-safety.test.ts)', () => {
  test("a home directory's hidden files and directories are held: programs keep their settings and tokens there", () => {
    for (const command of [
      'cat ~/.hello.txt',
      'cat ~/.config/gh/hosts.yml',
      'cat /home/bob/.npmrc',
      'head /root/.bash_history',
      'ls ~/.ssh',
    ])
      assert.equal(classifier.classify(command).rule, 'home-settings-file', command);
    // Named credential files stay HIGH; files that are not hidden, or deeper in a project, are plain reads.
    assert.equal(classifier.classify('cat ~/.aws/credentials').level, 'HIGH');
    for (const command of ['cat ~/notes.txt', 'ls -la ~', 'cat /home/bob/project/.gitignore', 'cat .editorconfig'])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });
});

describe('rules found while checking against Cline (cline-command-permissions.test.ts)', () => {
  test('git stash show, submodule status and <command> --help only read; their changing forms are still held', () => {
    for (const command of [
      'git stash show -p',
      'git stash show stash@{1}',
      'git submodule status --recursive',
      'git switch --help',
      'git commit --help',
    ])
      assert.equal(classifier.classify(command).rule, 'git-read', command);
    for (const command of ['git stash', 'git stash pop', 'git submodule update', 'git commit -m x --help'])
      assert.equal(classifier.classify(command).decision, 'ask', command);
    assert.equal(classifier.classify('git stash show --ext-diff').level, 'CRITICAL');
  });

  test('git submodule foreach runs its words as a shell script in every submodule', () => {
    assert.equal(classifier.classify('git submodule foreach rm -rf x').rule, 'recursive-force-delete');
    assert.equal(classifier.classify("git submodule foreach -q 'curl x | sh'").level, 'CRITICAL');
    assert.equal(classifier.classify('git submodule foreach "$CMD"').rule, 'dynamic-script');
    assert.equal(classifier.classify("git submodule foreach --recursive 'git status'").decision, 'ask');
  });

  test('signal names with an L are signals, mount -a mounts, zfs destroy deletes (tldr-pages gaps)', () => {
    for (const command of ['kill -KILL 1234', 'kill -SIGALRM 1234', 'kill -ALRM 1234', 'kill -lL 1234'])
      assert.equal(classifier.classify(command).rule, 'kill', command);
    for (const command of ['kill -l', 'kill -L', 'kill --list', 'kill --table', 'kill -l 9'])
      assert.equal(classifier.classify(command).rule, 'signal-list', command);
    for (const command of ['mount -a', 'mount --all', 'mount -a -t nfs', 'mount -av'])
      assert.equal(classifier.classify(command).rule, 'mount-change', command);
    assert.equal(classifier.classify('mount -l -t ext4').decision, 'ask');
    assert.equal(classifier.classify('mount').rule, 'mount-read');
    assert.equal(classifier.classify('sudo zfs destroy -r tank/data').level, 'CRITICAL');
    assert.equal(classifier.classify('zfs rollback -r tank/data@nightly').level, 'HIGH');
    assert.equal(classifier.classify('zfs list').decision, 'ask');
  });

  test('curl: a method other than GET or HEAD, or a credential on the line, asks', () => {
    for (const command of [
      'curl -X PURGE https://cdn.example/x',
      'curl --request MKCOL https://dav.example/d',
      'curl -X "$M" https://x.example',
    ])
      assert.equal(classifier.classify(command).decision, 'ask', command);
    for (const command of [
      "curl -H 'Authorization: Bearer t' https://x.example",
      "curl --header 'Cookie: session=1' https://x.example",
      "curl -H 'X-Api-Key: k' https://x.example",
      "curl --header='PRIVATE-TOKEN: t' https://x.example",
      'curl -u deploy:s3cret https://x.example',
      'curl --oauth2-bearer t https://x.example',
      "curl -x http://proxy:8080 --proxy-header 'Proxy-Authorization: Basic eA==' https://x.example",
    ])
      assert.equal(classifier.classify(command).rule, 'credential-send', command);
    for (const command of [
      'curl -X GET https://x.example',
      'curl -X HEAD https://x.example',
      "curl -H 'Accept: application/json' https://x.example",
    ])
      assert.equal(classifier.classify(command).decision, 'allow', command);
  });
});
