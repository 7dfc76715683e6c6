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
