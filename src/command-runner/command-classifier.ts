import { posix } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { type DangerLevel, type Decision, decisionFor, type Finding, maxLevel, topFinding } from './danger-level.ts';
import { variableFinding } from './dangerous-variables.ts';
import { optionFindings } from './option-model.ts';
import {
  HOME_SETTINGS_FILES,
  isOutside,
  type PathContext,
  resolvePath,
  SECRET_FILES,
  type ShellWord,
  writeTargetFinding,
} from './path-rules.ts';
import { optionsFor } from './program-options.ts';
import { DANGEROUS_CODE, type RuleContext, ruleFor, STDIN_CODE_RULE, STDIN_SCRIPT_RULE } from './program-rules.ts';
import { credentialFileMatching } from './secret-patterns.ts';
import {
  evaluateWord,
  firstSyntaxError,
  isPromptExpansion,
  lenientSyntax,
  loadBashParser,
  type SyntaxNode,
  simpleArgv,
  strayBacktick,
  substitutionsIn,
  wordSplittingContinuation,
} from './shell-syntax.ts';
import { combinations, expandStatically, StaticVariables } from './static-expansion.ts';
import { assignedVariables } from './variable-builtins.ts';

/** One program the command would start, after unwrapping sudo/env/xargs/bash -c and friends. */
export interface ParsedProgram {
  program: string;
  args: string[];
}

export interface CommandClassification {
  command: string;
  level: DangerLevel;
  decision: Decision;
  rule: string;
  reason: string;
  findings: Finding[];
  programs: ParsedProgram[];
  /** Files the command writes through redirects. */
  redirectTargets: string[];
  /** Static paths in the command that lie outside the working directory. */
  outsidePaths: string[];
  /** Set when the command is one simple command with static words: it can run without any shell. */
  argv?: string[];
}

export interface ExtraRule {
  name: string;
  pattern: RegExp;
  level: DangerLevel;
}

/** The configurable part of classification (config `exec.policy`). */
export interface CommandPolicy {
  /** Level per program name, replacing the built-in program rule (structural rules still apply). */
  programs: Record<string, DangerLevel>;
  /** Extra rules matched against each simple command as `program arg...`; they can only raise the level. */
  rules: ExtraRule[];
  /** Level of programs no rule knows. */
  defaultLevel: DangerLevel;
  systemPaths: string[];
}

const MAX_DEPTH = 6;
const MAX_EXPANSIONS = 4096;

// C1 controls (U+009B is CSI to some terminals) and bidirectional overrides make the approval prompt show other text
// than bash runs ("Trojan Source"): refused with the C0 controls. So are the line and paragraph separators: bash
// reads them as letters of a word, but a browser or chat client breaks the line there, so the approver sees
// `echo hi<U+2028>rm -rf /` as two commands where bash runs one.
const CONTROL_CHARACTERS =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Real program names; anything else (`\\rm`, names with quotes, control characters) is written to mislead. */
const PLAIN_PROGRAM_NAME = /^([A-Za-z0-9_./+:@%,-]+|\[|\[\[)$/;

/** Classifies shell commands by parsing them with tree-sitter-bash (never by regular expressions on the text). */
export class CommandClassifier {
  readonly #parser: Parser;
  readonly #policy: CommandPolicy;
  readonly #workingDirectory: string;

  constructor(parser: Parser, policy: CommandPolicy, workingDirectory: string) {
    this.#parser = parser;
    this.#policy = policy;
    this.#workingDirectory = posix.resolve(workingDirectory);
  }

  classify(command: string): CommandClassification {
    const walk = new Walk(this.#parser, this.#policy, {
      workingDirectory: this.#workingDirectory,
      systemPaths: this.#policy.systemPaths,
    });
    if (command.trim() === '')
      walk.findings.push({ level: 'CRITICAL', rule: 'empty-command', reason: 'the command is empty' });
    else walk.findings.push(...dedupe(walk.script(command, 'command', 0)));
    const top = topFinding(walk.findings) ?? { level: 'SAFE', rule: 'no-effect', reason: 'nothing to run' };
    return {
      command,
      level: top.level,
      decision: decisionFor(top.level),
      rule: top.rule,
      reason: top.reason,
      findings: walk.findings,
      programs: walk.programs,
      redirectTargets: walk.redirectTargets,
      outsidePaths: [...walk.outsidePaths],
      argv: walk.simpleArgv,
    };
  }
}

/** Loads the bash grammar and builds a classifier. */
export async function createCommandClassifier(
  policy: CommandPolicy,
  workingDirectory = process.cwd(),
): Promise<CommandClassifier> {
  return new CommandClassifier(await loadBashParser(), policy, workingDirectory);
}

/** State of one classification: everything found on the way, in reading order. */
class Walk {
  readonly findings: Finding[] = [];
  readonly programs: ParsedProgram[] = [];
  readonly redirectTargets: string[] = [];
  readonly outsidePaths = new Set<string>();
  simpleArgv: string[] | undefined;
  readonly #parser: Parser;
  readonly #policy: CommandPolicy;
  #paths: PathContext;
  readonly #startDirectory: string;
  /** Functions defined so far, with the level their body has; calling one counts as running its body. */
  readonly #functions = new Map<string, Finding[]>();
  readonly #activeFunctions = new Set<string>();
  /** Values the script assigns (and HOME, IFS): words that expand them are also rated as bash would expand them. */
  readonly #variables = new StaticVariables();
  /** Expanded commands rated so far: nested shells multiply them, so past MAX_EXPANSIONS the command is refused. */
  #expansions = 0;

  constructor(parser: Parser, policy: CommandPolicy, paths: PathContext) {
    this.#parser = parser;
    this.#policy = policy;
    this.#paths = paths;
    this.#startDirectory = paths.workingDirectory;
  }

  /** Parses and classifies script text (the command itself, bash -c, eval, a here-document fed to a shell). */
  script(text: string | undefined, origin: string, depth: number): Finding[] {
    if (text === undefined)
      return this.#add({
        level: 'CRITICAL',
        rule: 'dynamic-script',
        reason: `${origin} runs code decided at run time`,
      });
    // bash and the grammar disagree on control characters (`ls\rrm` is one word to bash): refuse them.
    if (CONTROL_CHARACTERS.test(text))
      return this.#add({
        level: 'CRITICAL',
        rule: 'control-characters',
        reason: `${origin} contains control characters`,
      });
    if (depth > MAX_DEPTH)
      return this.#add({ level: 'CRITICAL', rule: 'nesting-too-deep', reason: `${origin} nests shells too deeply` });
    const tree = this.#parser.parse(text);
    if (!tree) return this.#add({ level: 'CRITICAL', rule: 'parse-error', reason: `${origin} could not be parsed` });
    try {
      const error = firstSyntaxError(tree.rootNode) ?? lenientSyntax(tree.rootNode);
      if (error)
        return this.#add({
          level: 'CRITICAL',
          rule: 'parse-error',
          reason: `${origin} is not valid bash (${error.isMissing ? `missing ${error.type}` : 'syntax error'} at "${error.text.slice(0, 40)}")`,
        });
      const stray = strayBacktick(text, tree.rootNode);
      if (stray !== undefined)
        return this.#add({
          level: 'CRITICAL',
          rule: 'unparsed-substitution',
          reason: `${origin} has a substitution at offset ${stray} that bash would run but the parser did not read as a command`,
        });
      const continuation = wordSplittingContinuation(text, tree.rootNode);
      if (continuation !== undefined)
        return this.#add({
          level: 'CRITICAL',
          rule: 'word-joining-continuation',
          reason: `${origin} has a backslash-newline at offset ${continuation} inside a word: bash joins the two parts (\`r\\<newline>m\` is \`rm\`), the parser reads two`,
        });
      if (depth === 0) this.simpleArgv = simpleArgv(tree.rootNode);
      return this.#node(tree.rootNode, depth);
    } finally {
      tree.delete();
    }
  }

  /** Findings travel up as return values; only the outermost script's result becomes the classification. */
  #add(...findings: Finding[]): Finding[] {
    return findings;
  }

  #children(node: SyntaxNode, depth: number): Finding[] {
    const found: Finding[] = [];
    for (const child of node.namedChildren) if (child) found.push(...this.#node(child, depth));
    return found;
  }

  #node(node: SyntaxNode, depth: number): Finding[] {
    switch (node.type) {
      case 'comment':
        return [];
      case 'command':
        return this.#command(node, depth);
      case 'command_substitution':
      case 'process_substitution':
        return this.#substitution(node, depth);
      case 'expansion':
        return isPromptExpansion(node) ? this.#substitution(node, depth) : this.#children(node, depth);
      case 'pipeline':
        return this.#pipeline(node, depth);
      case 'redirected_statement':
        return this.#redirected(node, depth);
      case 'compound_statement':
        // `{}` and `{rm;}`: without a blank after `{` bash reads one word, a program name, where the grammar sees a group.
        return /^\{\S/.test(node.text)
          ? this.#add({
              level: 'CRITICAL',
              rule: 'brace-word',
              reason: `bash reads ${node.text.slice(0, 20)} as a program name starting with {, not a command group`,
            })
          : this.#children(node, depth);
      case 'function_definition':
        return this.#functionDefinition(node, depth);
      case 'for_statement':
        this.#loopVariable(node);
        return this.#children(node, depth);
      case 'variable_assignment':
        return this.#assignment(node, depth);
      case 'declaration_command':
      case 'unset_command':
        return this.#declaration(node, depth);
      case 'file_redirect':
      case 'heredoc_redirect':
      case 'herestring_redirect':
        return this.#redirect(node, [], depth);
      default:
        return this.#children(node, depth);
    }
  }

  #command(node: SyntaxNode, depth: number): Finding[] {
    const found: Finding[] = [];
    const words: ShellWord[] = [];
    const wordNodes: SyntaxNode[] = [];
    let nameNode: SyntaxNode | undefined;
    const redirects: SyntaxNode[] = [];
    for (const child of node.children) {
      if (!child) continue;
      // `rm -r$"f" /`: the grammar leaves `-r$` out of every node, a word bash reads as `-rf`.
      if (!child.isNamed && child.type === '$') {
        const next = child.nextSibling;
        if (child.text !== '$' || (next && next.startIndex === child.endIndex))
          return this.#add({
            level: 'CRITICAL',
            rule: 'unparsed-word',
            reason: `the parser drops ${JSON.stringify(child.text)}, part of a word bash passes (${node.text.slice(0, 40)})`,
          });
        words.push({ value: '$', raw: '$', pattern: false, obfuscated: false });
        continue;
      }
      if (!child.isNamed) continue;
      if (child.type === 'variable_assignment') found.push(...this.#assignment(child, depth));
      else if (child.type.endsWith('_redirect')) redirects.push(child);
      else {
        if (child.type === 'command_name') nameNode = child;
        words.push(evaluateWord(child));
        wordNodes.push(child);
        for (const substitution of substitutionsIn(child)) found.push(...this.#substitution(substitution, depth));
      }
    }
    if (!nameNode) {
      for (const redirect of redirects) found.push(...this.#redirect(redirect, [], depth));
      return found;
    }
    const programFindings = [...this.#program(words, depth), ...this.#expandedProgram(wordNodes, depth)];
    for (const redirect of redirects) found.push(...this.#redirect(redirect, programFindings, depth));
    return [...found, ...programFindings];
  }

  /**
   * The command as bash expands it where the text decides (brace expansion, variables the script assigned, word
   * splitting): rated as well as the written words, so `x=/etc/shadow; cat $x` is rated as `cat /etc/shadow`.
   */
  #expandedProgram(wordNodes: SyntaxNode[], depth: number): Finding[] {
    const choices = wordNodes.map((node) => expandStatically(node, this.#variables));
    if (choices.every((choice) => choice === undefined)) return [];
    const found: Finding[] = [];
    const written = wordNodes.map((node) => [evaluateWord(node)]);
    for (const words of combinations(choices.map((choice, index) => choice ?? [written[index]]))) {
      if (words.length === 0 || words[0].value === undefined) continue;
      if (++this.#expansions > MAX_EXPANSIONS)
        return [
          ...found,
          {
            level: 'CRITICAL',
            rule: 'too-many-expansions',
            reason: `the words expand to more than ${MAX_EXPANSIONS} commands to rate`,
          },
        ];
      found.push(...this.#program(words, depth));
    }
    return found;
  }

  #program(words: ShellWord[], depth: number): Finding[] {
    const found: Finding[] = [];
    for (const word of words.slice(1)) {
      const secret = this.#notePath(word) ?? this.#secretInOption(word);
      if (secret) found.push(secret);
      // Escapes for letters have no use but hiding them from the person who approves or audits the command.
      if (word.hidden)
        found.push({
          level: 'MEDIUM',
          rule: 'hidden-text',
          reason: `${word.raw.slice(0, 60)} spells printable text as escapes (${JSON.stringify((word.value ?? '').slice(0, 40))})`,
        });
    }
    const name = words[0];
    if (name.value === undefined)
      return [
        ...found,
        ...this.#add({
          level: 'CRITICAL',
          rule: 'dynamic-command-name',
          reason: `the program name ${name.raw} is decided at run time`,
        }),
      ];
    if (name.obfuscated || name.pattern || !PLAIN_PROGRAM_NAME.test(name.value))
      return [
        ...found,
        ...this.#add({
          level: 'CRITICAL',
          rule: 'obfuscated-command-name',
          reason: `the program name ${name.raw} is written to hide what runs (${JSON.stringify(name.value)})`,
        }),
      ];
    return [...found, ...this.argv(words, depth)];
  }

  /** Classifies one program with its arguments; wrappers call this again for what they run. */
  argv(words: ShellWord[], depth: number): Finding[] {
    const [name, ...args] = words;
    if (name.value === undefined || name.obfuscated || name.pattern)
      return this.#add({
        level: 'CRITICAL',
        rule: 'dynamic-command-name',
        reason: `the program name ${name.raw} is decided at run time`,
      });
    const path = name.value;
    const program = posix.basename(path);
    this.programs.push({ program: path, args: args.map((arg) => arg.value ?? arg.raw) });
    const found: Finding[] = [];
    if (path.includes('/') && !/^\/(usr\/)?(local\/)?s?bin\/[^/]+$/.test(path))
      found.push({
        level: 'HIGH',
        rule: 'unknown-executable',
        reason: `runs ${path}, a file outside the system bin dirs`,
      });
    const called = this.#functions.get(path);
    if (called) {
      if (this.#activeFunctions.has(path))
        found.push({ level: 'CRITICAL', rule: 'fork-bomb', reason: `function ${path} calls itself (fork bomb)` });
      else found.push(...called);
    } else {
      const override = Object.hasOwn(this.#policy.programs, program) ? this.#policy.programs[program] : undefined;
      if (override)
        found.push({ level: override, rule: `policy:${program}`, reason: `policy sets ${program} to ${override}` });
      else {
        const rule = ruleFor(program);
        if (rule) found.push(...rule(args, this.#ruleContext(depth)));
        else
          found.push({
            level: this.#policy.defaultLevel,
            rule: 'unknown-program',
            reason: `no rule knows ${program}; unknown programs are ${this.#policy.defaultLevel}`,
          });
      }
    }
    for (const variable of assignedVariables(program, args)) {
      const danger = variableFinding(variable);
      if (danger) found.push({ ...danger, reason: `${danger.reason} (${program} assigns ${variable})` });
    }
    // Options that run, spawn, load or write something raise any rule, even a policy override to SAFE.
    const options = optionsFor(program);
    if (options) found.push(...optionFindings(program, args, options, this.#paths));
    if (program === 'cd' || program === 'pushd') this.#changeDirectory(args);
    if (program === 'set') this.#positionalParameters(args);
    const flat = [program, ...args.map((arg) => arg.value ?? arg.raw)].join(' ');
    for (const extra of this.#policy.rules)
      if (extra.pattern.test(flat))
        found.push({ level: extra.level, rule: `policy:${extra.name}`, reason: `policy rule ${extra.name} matches` });
    return this.#add(...found);
  }

  /** `set -- a b` (or `set a b`) gives "$@" its words. */
  #positionalParameters(args: ShellWord[]): void {
    const start = args.findIndex((word) => word.value === '--' || !/^[-+]/.test(word.value ?? '-'));
    if (start === -1) return;
    const values = args.slice(args[start].value === '--' ? start + 1 : start).map((word) => word.value);
    if (values.every((value) => value !== undefined)) this.#variables.assign('@', values as string[]);
  }

  /** `for d in /etc /usr` gives $d each of the words (as expanded); `for d` without `in` takes "$@". */
  #loopVariable(node: SyntaxNode): void {
    const name = node.childForFieldName('variable')?.text;
    if (!name) return;
    const values = node.childrenForFieldName('value').filter((child) => child !== null);
    if (values.length === 0) {
      for (const elements of this.#variables.get('@') ?? [])
        for (const value of elements) this.#variables.assign(name, [value]);
      return;
    }
    for (const value of values)
      for (const fields of expandStatically(value, this.#variables) ?? [[evaluateWord(value)]])
        for (const field of fields) if (field.value !== undefined) this.#variables.assign(name, [field.value]);
  }

  /** Records the value a `name=value` (or `name=(a b)`, `name+=value`) assigns, when the text decides it. */
  #recordAssignment(node: SyntaxNode, name: string): void {
    const value = node.childForFieldName('value');
    if (!value) {
      this.#variables.assign(name, ['']);
      return;
    }
    if (value.type === 'array') {
      // Each element as it expands (its first alternative): `a=(-rf /)` holds the two words.
      const elements = value.namedChildren.flatMap((child) =>
        child ? (expandStatically(child, this.#variables)?.[0] ?? [evaluateWord(child)]).map((word) => word.value) : [],
      );
      if (elements.every((element) => element !== undefined)) this.#variables.assign(name, elements as string[]);
      return;
    }
    const expanded = expandStatically(value, this.#variables, 'assignment');
    const scalars = expanded
      ? expanded.map((fields) => fields.map((field) => field.value).join(' '))
      : [evaluateWord(value).value];
    for (const scalar of scalars) this.#assignScalar(node, name, scalar);
  }

  #assignScalar(node: SyntaxNode, name: string, value: string | undefined): void {
    if (value === undefined) return;
    const appends = node.children.some((child) => child && !child.isNamed && child.type === '+=');
    if (appends)
      for (const known of this.#variables.get(name) ?? []) this.#variables.assign(name, [known.join(' ') + value]);
    this.#variables.assign(name, [value]);
  }

  /** Later relative paths resolve from where `cd` went (conservatively: even out of a subshell). */
  #changeDirectory(args: ShellWord[]): void {
    const target = args.find((word) => word.value !== '-P' && word.value !== '-L');
    if (!target) this.#paths = { ...this.#paths, workingDirectory: '/home/~', unknownDirectory: false };
    else {
      const path = target.value === '-' ? undefined : resolvePath(target, this.#paths);
      this.#paths = path
        ? { ...this.#paths, workingDirectory: path, unknownDirectory: false }
        : { ...this.#paths, unknownDirectory: true };
    }
  }

  #ruleContext(depth: number): RuleContext {
    return {
      ...this.#paths,
      script: (text, origin) => this.script(text, origin, depth + 1),
      argv: (words) => (words.length === 0 ? [] : this.argv(words, depth + 1)),
      notePath: (word) => {
        this.#notePath(word);
      },
    };
  }

  /** Records paths outside the working directory; returns a finding when the path is a credential or home settings file. */
  #notePath(word: ShellWord): Finding | undefined {
    if (word.value === undefined) return undefined;
    const path = resolvePath(word, this.#paths);
    if (!path) return undefined;
    if (/^[/~.]/.test(word.value) && isOutside(path, this.#startDirectory)) this.outsidePaths.add(path);
    if (SECRET_FILES.test(path))
      return { level: 'HIGH', rule: 'secret-file', reason: `touches credential file ${path}` };
    const matched = word.pattern ? credentialFileMatching(word.value, this.#paths) : undefined;
    if (matched)
      return {
        level: 'HIGH',
        rule: 'secret-file',
        reason: `${word.value.slice(0, 80)} can expand to credential file ${matched}`,
      };
    return HOME_SETTINGS_FILES.test(path)
      ? {
          level: 'MEDIUM',
          rule: 'home-settings-file',
          reason: `touches ${path}, a home directory's hidden settings, where programs keep their tokens`,
        }
      : undefined;
  }

  /**
   * A credential file named inside a word rather than as it: `--file=/etc/shadow`, `if=/etc/shadow`, `-f/etc/shadow`,
   * `-rf~/.ssh/id_rsa` (a value joined to a bundle of short options), `file:///etc/shadow`, `@/etc/shadow`. Which
   * program reads it does not matter.
   */
  #secretInOption(word: ShellWord): Finding | undefined {
    const value = word.value;
    if (value === undefined || value.length > 512) return undefined;
    const candidates: string[] = [];
    const equals = value.indexOf('=');
    if (equals > 0) candidates.push(value.slice(equals + 1));
    if (/^-[^-]/.test(value)) for (let start = 2; start < value.length; start++) candidates.push(value.slice(start));
    // A file handed over by reference: aws `file://`/`fileb://` parameters, az and curl `@file`.
    for (const candidate of [value, ...candidates]) {
      const reference = /^(?:fileb?:\/\/|@)(.+)$/.exec(candidate);
      if (reference) candidates.push(reference[1]);
    }
    for (const candidate of candidates) {
      const path = resolvePath({ ...word, value: candidate, raw: candidate }, this.#paths);
      if (path && SECRET_FILES.test(path))
        return {
          level: 'HIGH',
          rule: 'secret-file',
          reason: `touches credential file ${path} (in ${value.slice(0, 80)})`,
        };
    }
    return undefined;
  }

  /** `$(...)`, `<(...)` and `>(...)` run too; `>(sh)` makes an interpreter read whatever is written to it. */
  #substitution(node: SyntaxNode, depth: number): Finding[] {
    if (node.type === 'expansion')
      return this.#add({
        level: 'CRITICAL',
        rule: 'prompt-expansion',
        reason: `${node.text.slice(0, 40)} expands a value as a prompt string, which runs the command substitutions in it`,
      });
    // Inside backticks bash unescapes \` \\ \$ and parses the text again (nested backticks run): so do we.
    const found =
      node.type === 'command_substitution' && node.text.startsWith('`')
        ? this.script(node.text.slice(1, -1).replace(/\\([`\\$])/g, '$1'), 'backtick substitution', depth + 1)
        : this.#children(node, depth);
    if (node.type === 'process_substitution' && node.text.startsWith('>(') && found.some(readsStdin))
      found.push({
        level: 'CRITICAL',
        rule: 'pipe-to-shell',
        reason: `writes into an interpreter (${node.text.slice(0, 40)})`,
      });
    return found;
  }

  /** `piped`: the first stage too reads what an earlier command writes (the rest of a line after `cat <<EOF |`). */
  #pipeline(node: SyntaxNode, depth: number, piped = false): Finding[] {
    const found: Finding[] = [];
    let index = piped ? 1 : 0;
    for (const child of node.namedChildren) {
      if (!child) continue;
      const stage = this.#node(child, depth);
      found.push(...stage);
      if (index > 0 && stage.some(readsStdin))
        found.push(
          ...this.#add({
            level: 'CRITICAL',
            rule: 'pipe-to-shell',
            reason: `pipes generated text into an interpreter (${child.text.slice(0, 40)})`,
          }),
        );
      index += 1;
    }
    return found;
  }

  #redirected(node: SyntaxNode, depth: number): Finding[] {
    const body = node.childForFieldName('body');
    const bodyFindings = body ? this.#node(body, depth) : [];
    const found = [...bodyFindings];
    for (const child of node.namedChildren)
      if (child && child !== body && child.type.endsWith('_redirect'))
        found.push(...this.#redirect(child, bodyFindings, depth));
    return found;
  }

  /** Writes count by their target; a here-document or here-string fed to an interpreter is classified as code. */
  #redirect(node: SyntaxNode, bodyFindings: Finding[], depth: number): Finding[] {
    if (node.type === 'heredoc_redirect') return this.#heredoc(node, bodyFindings, depth);
    const found: Finding[] = [];
    for (const substitution of substitutionsIn(node)) found.push(...this.#substitution(substitution, depth));
    const feedsInterpreter = bodyFindings.some(readsStdin);
    if (node.type === 'herestring_redirect') {
      const content = node.namedChildren.at(-1);
      if (feedsInterpreter)
        found.push(
          ...this.#code(
            content ? evaluateWord(content).value : undefined,
            'here-string fed to an interpreter',
            bodyFindings,
            depth,
          ),
        );
      return found;
    }
    const destination = node.childForFieldName('destination');
    if (!destination) return found;
    const operator = node.children.find((child) => child && !child.isNamed)?.text ?? '>';
    const target = evaluateWord(destination);
    if (operator.startsWith('<') && !operator.startsWith('<>')) {
      if (feedsInterpreter)
        found.push(
          ...this.#add(
            target.value === undefined
              ? {
                  level: 'CRITICAL',
                  rule: 'pipe-to-shell',
                  reason: `feeds generated text (${target.raw}) to an interpreter`,
                }
              : { level: 'HIGH', rule: 'run-script', reason: `runs the script in ${target.raw}` },
          ),
        );
      const secret = this.#notePath(target);
      if (secret) found.push(secret);
      for (const fields of expandStatically(destination, this.#variables) ?? [])
        for (const field of fields) {
          const expanded = this.#notePath(field);
          if (expanded) found.push(expanded);
        }
      return found;
    }
    // `>&2`, `2>&1`: duplicating a descriptor writes no file.
    if (operator.endsWith('&') && /^(\d+|-)$/.test(target.value ?? '')) return found;
    this.#notePath(target);
    this.redirectTargets.push(target.value ?? target.raw);
    const finding = writeTargetFinding(target, this.#paths, `redirect ${operator}`);
    if (finding) found.push(...this.#add(finding));
    // `x=/etc/passwd; echo hi > $x`: also as bash expands it where the text decides.
    for (const fields of expandStatically(destination, this.#variables) ?? [])
      for (const field of fields) {
        const expanded = writeTargetFinding(field, this.#paths, `redirect ${operator}`);
        if (expanded) found.push(expanded);
      }
    return found;
  }

  /**
   * The grammar puts the rest of the line after `<<EOF` inside the here-document node: more redirects of the same
   * command (`> out`), the pipe it feeds (`| sh`) and the commands chained after it (`&& rm -rf /`). All run.
   */
  #heredoc(node: SyntaxNode, bodyFindings: Finding[], depth: number): Finding[] {
    const found: Finding[] = [];
    for (const child of node.namedChildren) {
      if (!child || child.type === 'heredoc_start' || child.type === 'heredoc_end') continue;
      if (child.type === 'heredoc_body') {
        for (const substitution of substitutionsIn(child)) found.push(...this.#substitution(substitution, depth));
        if (bodyFindings.some(readsStdin))
          found.push(...this.#code(child.text, 'here-document fed to an interpreter', bodyFindings, depth));
      } else if (child.type.endsWith('_redirect')) found.push(...this.#redirect(child, bodyFindings, depth));
      else if (child.type === 'pipeline') found.push(...this.#pipeline(child, depth, true));
      else found.push(...this.#node(child, depth));
    }
    return found;
  }

  /** Text an interpreter reads as its program: a shell's is classified as a script, other languages by pattern. */
  #code(text: string | undefined, origin: string, bodyFindings: Finding[], depth: number): Finding[] {
    if (bodyFindings.some((finding) => finding.rule === STDIN_SCRIPT_RULE)) return this.script(text, origin, depth + 1);
    if (text === undefined)
      return [{ level: 'CRITICAL', rule: 'dynamic-script', reason: `${origin} is decided at run time` }];
    return DANGEROUS_CODE.test(text)
      ? [{ level: 'CRITICAL', rule: 'interpreter-dangerous-code', reason: `${origin} runs commands or deletes` }]
      : [];
  }

  #functionDefinition(node: SyntaxNode, depth: number): Finding[] {
    const name = node.childForFieldName('name')?.text ?? '';
    const body = node.childForFieldName('body');
    this.#functions.set(name, []);
    this.#activeFunctions.add(name);
    const bodyFindings = body ? this.#node(body, depth) : [];
    this.#activeFunctions.delete(name);
    this.#functions.set(name, bodyFindings);
    return bodyFindings;
  }

  #assignment(node: SyntaxNode, depth: number): Finding[] {
    const found: Finding[] = [];
    for (const substitution of substitutionsIn(node)) found.push(...this.#substitution(substitution, depth));
    const nameNode = node.childForFieldName('name');
    const name = nameNode?.text ?? '';
    // `à=b foo`: bash allows only ASCII letters, digits and _ in a name, so it runs a program named `à=b`.
    if (nameNode?.type === 'variable_name' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      found.push({
        level: 'CRITICAL',
        rule: 'not-an-assignment',
        reason: `${node.text.slice(0, 40)} is no assignment to bash (${JSON.stringify(name)} is not a variable name): it runs as a program`,
      });
    const danger = variableFinding(name);
    if (danger) found.push(...this.#add({ ...danger, reason: `${danger.reason} (${node.text.slice(0, 60)})` }));
    const variable = /^[A-Za-z_]\w*/.exec(name)?.[0];
    if (variable) this.#recordAssignment(node, variable);
    return found;
  }

  #declaration(node: SyntaxNode, depth: number): Finding[] {
    const found: Finding[] = [];
    // The grammar knows tcsh's `unsetenv` as a keyword; to bash it is just a program.
    if (node.type === 'unset_command' && node.children[0]?.text === 'unsetenv') {
      const words: ShellWord[] = [{ value: 'unsetenv', raw: 'unsetenv', pattern: false, obfuscated: false }];
      for (const child of node.namedChildren) {
        if (!child) continue;
        words.push(evaluateWord(child));
        for (const substitution of substitutionsIn(child)) found.push(...this.#substitution(substitution, depth));
      }
      return [...found, ...this.#program(words, depth)];
    }
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'variable_assignment') found.push(...this.#assignment(child, depth));
      else {
        for (const substitution of substitutionsIn(child)) found.push(...this.#substitution(substitution, depth));
        const danger = variableFinding(child.text);
        if (danger && node.text.startsWith('unset'))
          found.push(...this.#add({ ...danger, reason: `unsets ${child.text}` }));
      }
    }
    return found;
  }
}

export function levelOf(findings: readonly Finding[]): DangerLevel {
  return maxLevel(...findings.map((finding) => finding.level));
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.level}|${finding.rule}|${finding.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A shell or interpreter that would take its program from standard input. */
function readsStdin(finding: Finding): boolean {
  return finding.rule === STDIN_SCRIPT_RULE || finding.rule === STDIN_CODE_RULE;
}
