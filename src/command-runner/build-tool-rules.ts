import { finding, hasFlag, operands, type ProgramRule, text } from './rule-helpers.ts';

/**
 * Build tools and package managers run the project's own code: Makefile recipes and `$(shell)` (even under `make -n`),
 * Cargo build scripts and proc macros (`cargo check` too), npm lifecycle scripts, setup.py, `go:generate` lines,
 * Maven and Gradle plugins, conftest.py. A checkout is input we did not write, so all of that needs a human first.
 * Only sub-commands that print facts without loading project code stay allowed.
 */
const RUNS_PROJECT_CODE = 'runs-project-code';

interface BuildTool {
  /** Sub-commands that only read (nothing of the project is executed). */
  reads?: readonly string[];
  /** Sub-commands that read only when followed by one of these words (`npm config get`, `pip cache list`). */
  readsWith?: Record<string, readonly string[]>;
  /** Options that take a value before the sub-command (so the value is not taken for it). */
  withValue?: readonly string[];
  /** Level without any sub-command: the tool's help, or (yarn, make, mvn) a full build. */
  bare: 'LOW' | 'HIGH';
}

const VERSION_WORDS = new Set(['--version', '-V', '-v', 'version', '--help', '-h', 'help']);

function buildTool(name: string, tool: BuildTool): ProgramRule {
  return (args) => {
    const words = operands(args, [...(tool.withValue ?? [])]).map(text);
    const [command, next] = words;
    const onlyInfo = args.length > 0 && args.every((word) => VERSION_WORDS.has(text(word)));
    if (onlyInfo || (command !== undefined && VERSION_WORDS.has(command) && words.length === 1))
      return [finding('LOW', `${name}-read`, `${name} ${command ?? text(args[0])} prints information`)];
    if (command === undefined)
      return tool.bare === 'LOW' && !hasFlag(args, '', ['--build', '--install'])
        ? [finding('LOW', `${name}-read`, `${name} without a sub-command prints its usage`)]
        : [finding('HIGH', RUNS_PROJECT_CODE, `${name} runs the project's build (its own scripts)`)];
    if (tool.reads?.includes(command)) return [finding('LOW', `${name}-read`, `${name} ${command} only reads`)];
    const readers = tool.readsWith?.[command];
    if (readers && (next === undefined || readers.includes(next)))
      return [finding('LOW', `${name}-read`, `${name} ${command} ${next ?? ''} only reads`)];
    return [
      finding('HIGH', RUNS_PROJECT_CODE, `${name} ${command} runs the project's own scripts or changes its packages`),
    ];
  };
}

const NPM: BuildTool = {
  reads: ['list', 'ls', 'll', 'la', 'view', 'info', 'show', 'search', 'outdated', 'why', 'explain', 'root', 'help'],
  readsWith: { config: ['get', 'list', 'ls'], audit: ['--json', 'signatures'] },
  bare: 'LOW',
};
const PIP: BuildTool = {
  reads: ['list', 'show', 'freeze', 'check', 'search', 'debug', 'inspect', 'index'],
  readsWith: { config: ['get', 'list', 'debug'], cache: ['list', 'dir', 'info'] },
  bare: 'LOW',
};

/** A tool whose every sub-command evaluates project files (Gemfile is Ruby, Gradle scripts are Groovy/Kotlin...). */
const always = (name: string): ProgramRule => buildTool(name, { bare: 'HIGH' });

const goTool = buildTool('go', {
  reads: ['doc', 'list'],
  readsWith: { env: ['GOPATH', 'GOROOT', 'GOOS', 'GOARCH', 'GOFLAGS', 'GOPROXY', 'GOMODCACHE', 'GOVERSION', '-json'] },
  withValue: ['-C'],
  bare: 'LOW',
});

export const BUILD_TOOL_RULES: Record<string, ProgramRule> = {
  make: buildTool('make', { bare: 'HIGH', withValue: ['-f', '-C', '-j', '-l', '-I', '-o', '-W', '--file'] }),
  gmake: buildTool('gmake', { bare: 'HIGH', withValue: ['-f', '-C', '-j', '-l', '-I', '-o', '-W', '--file'] }),
  // `cargo tree` and `cargo metadata` run `rustc -vV` through the project's `.cargo/config.toml` (build.rustc-wrapper).
  cargo: buildTool('cargo', {
    reads: ['search', 'locate-project'],
    withValue: ['-Z', '--config', '--color'],
    bare: 'LOW',
  }),
  npm: buildTool('npm', NPM),
  pnpm: buildTool('pnpm', NPM),
  // Bare `yarn` is `yarn install`: lifecycle scripts run.
  yarn: buildTool('yarn', { ...NPM, bare: 'HIGH' }),
  pip: buildTool('pip', PIP),
  pip3: buildTool('pip3', PIP),
  // `go env -w/-u` rewrites the user's go env file (GOFLAGS=-toolexec=... would then run in every build).
  go: (args, context) =>
    hasFlag(args, 'wu') && args.some((word) => word.value === 'env')
      ? [finding('HIGH', 'go-env-write', 'go env -w/-u changes the settings of every later go command')]
      : goTool(args, context),

  mvn: always('mvn'),
  mvnw: always('mvnw'),
  gradle: always('gradle'),
  gradlew: always('gradlew'),
  ant: always('ant'),
  sbt: always('sbt'),
  bazel: always('bazel'),
  bazelisk: always('bazelisk'),
  ninja: always('ninja'),
  meson: always('meson'),
  cmake: always('cmake'),
  rake: always('rake'),
  bundle: always('bundle'),
  bundler: always('bundler'),
  composer: always('composer'),
  dotnet: always('dotnet'),
  msbuild: always('msbuild'),
  poetry: always('poetry'),
  pipenv: always('pipenv'),
  uv: always('uv'),
  hatch: always('hatch'),
  pdm: always('pdm'),
  tox: always('tox'),
  nox: always('nox'),
  pytest: always('pytest'),
  'py.test': always('py.test'),
  jest: always('jest'),
  vitest: always('vitest'),
  mocha: always('mocha'),
  rspec: always('rspec'),
  phpunit: always('phpunit'),
  just: always('just'),
  task: always('task'),
  mix: always('mix'),
  rebar3: always('rebar3'),
  cabal: always('cabal'),
  stack: always('stack'),
  swift: always('swift'),
  'pre-commit': always('pre-commit'),
};
