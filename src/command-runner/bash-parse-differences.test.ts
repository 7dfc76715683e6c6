import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultClassifier } from './testing/upstream-cases.ts';

/**
 * Where tree-sitter-bash reads a command line otherwise than bash 5.2 does (found by bash-ground-truth.test.ts): the
 * program bash runs must be the one rated, or the command is refused.
 */
const classifier = await defaultClassifier();
const programs = (command: string) => classifier.classify(command).programs.map((program) => program.program);

test('a backslash-newline inside a word joins it for bash (r\\<newline>m is rm): refused', () => {
  for (const command of ['r\\\nm -rf /', 'foo\\\nbar', 'x=$\\\n(id)', 'echo a&\\\n& rm -rf /', 'echo "$\\\n(id)"']) {
    const result = classifier.classify(command);
    assert.equal(result.decision, 'deny', JSON.stringify(command));
  }
  // Between words, in single quotes and after a comment it joins nothing.
  for (const command of ['ls \\\n  -la', "echo 'a\\\nb'", '# note \\\nls', "cat <<'EOF'\na\\\nb\nEOF"])
    assert.equal(classifier.classify(command).decision, 'allow', JSON.stringify(command));
});

test('`{}` and `{rm;}` are one word to bash, a program name: refused', () => {
  for (const command of ['{}', '{rm;}', '{rm,-rf,/}'])
    assert.equal(classifier.classify(command).decision, 'deny', command);
  assert.deepEqual(programs('{ ls; }'), ['ls']);
});

test("tcsh's `unsetenv` is a program to bash, rated like any other", () => {
  assert.deepEqual(programs('unsetenv -f ONE'), ['unsetenv']);
  assert.equal(classifier.classify('unsetenv -f ONE').rule, 'unknown-program');
});

test('a non-ASCII name makes no assignment: bash runs `à=b` as the program', () => {
  const result = classifier.classify('à=b ls');
  assert.equal(result.decision, 'deny');
  assert.equal(result.rule, 'not-an-assignment');
  assert.equal(classifier.classify('a_1=b ls').decision, 'allow');
});

test('a `$` that starts no expansion is a literal dollar in double quotes', () => {
  assert.equal(classifier.classify('"ls$"').decision, 'deny');
  assert.match(classifier.classify('"ls$"').reason, /"ls\$"/);
  assert.deepEqual(classifier.classify('echo "price: 5$"').programs[0].args, ['price: 5$']);
});

test('`-r$"f"` is the word -rf to bash; the grammar drops `-r$`: refused', () => {
  const result = classifier.classify('rm -r$"f" /');
  assert.equal(result.rule, 'unparsed-word');
  assert.equal(result.decision, 'deny');
  // A lone `$` is a word of its own, passed as is.
  assert.deepEqual(classifier.classify('echo $ x').programs[0].args, ['$', 'x']);
});

test('words are also rated as bash expands them: braces, variables the script assigns, word splitting', () => {
  const expanded = (command: string) =>
    classifier
      .classify(command)
      .programs.slice(1)
      .map((program) => [program.program, ...program.args].join(' '));
  assert.deepEqual(expanded('kubectl delete {ns,pods} --all'), ['kubectl delete ns pods --all']);
  assert.deepEqual(expanded('rm -rf /e{t,}c/x{1..2}'), ['rm -rf /etc/x1 /etc/x2 /ec/x1 /ec/x2']);
  assert.deepEqual(expanded('x="-rf /"; rm $x'), ['rm -rf /']);
  assert.deepEqual(expanded('x="-rf /"; rm "$x"'), ['rm -rf /']);
  assert.deepEqual(classifier.classify('x="-rf /"; rm "$x"').programs[1].args, ['-rf /']);
  assert.deepEqual(expanded('IFS=,; x=-rf,/; rm $x').at(-1), 'rm -rf /');
  assert.deepEqual(expanded('a=(-rf /etc); rm "${a[@]}"'), ['rm -rf /etc']);
  assert.deepEqual(expanded('for d in /etc /usr; do rm -rf $d; done'), ['rm -rf /etc', 'rm -rf /usr']);
  for (const [command, level] of [
    ['x=/etc/shadow; cat $x', 'HIGH'],
    ['cat ${HOME}/.ssh/id_rsa', 'HIGH'],
    ['set -- -rf /; rm "$@"', 'CRITICAL'],
    ['find / -{delete,print}', 'CRITICAL'],
    ['x=/etc/passwd; echo hi > $x', 'CRITICAL'],
  ])
    assert.equal(classifier.classify(command).level, level, command);
  // Past a bound on expanded commands (nested shells multiply them) the command is refused rather than rated in part.
  const values = 'x=1; x=2; x=3; x=4; x=5; x=6; x=7; x=8;';
  assert.equal(classifier.classify(`${values}${' echo $x$x $x$x;'.repeat(65)}`).rule, 'too-many-expansions');
  assert.equal(classifier.classify(`${values}${' echo $x$x $x$x;'.repeat(63)}`).decision, 'allow');
  // A variable the script never assigns stays decided at run time, rated as before.
  assert.equal(classifier.classify('cat $FILE').level, 'LOW');
});
