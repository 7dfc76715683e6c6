// The V8 heap flags of a devops-agent process, chosen from its command line. They only take effect when V8 starts,
// so bin/devops-agent.js re-executes itself with them (bench/README.md, "Memory", has the figures):
// - every command: 2 MB young-generation semi-spaces instead of V8's 16 MB, which a process otherwise keeps
//   resident; scan throughput is unchanged;
// - the daemon (`run`, the default command) also favours size over speed: about 25 MB less idle RSS for about 9%
//   more CPU per replayed line;
// - help needs neither, and stays a single process start.

/** @param {string[]} argv the arguments after the script @returns {string[]} */
export function heapFlags(argv) {
  const [first] = argv;
  if (first === 'help' || argv.includes('--help') || argv.includes('-h')) return [];
  const command = first === undefined || first.startsWith('-') ? 'run' : first;
  return command === 'run' ? ['--max-semi-space-size=2', '--optimize-for-size'] : ['--max-semi-space-size=2'];
}
