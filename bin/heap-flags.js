// The V8 heap flags of a devops-agent process, chosen from its command line. They only take effect when V8 starts,
// so bin/devops-agent.js re-executes itself with them (bench/README.md, "Memory", has the figures):
// - every command, the daemon included: 2 MB young-generation semi-spaces instead of V8's 16 MB, which a process
//   otherwise keeps resident; scan throughput is unchanged. (The daemon also switches V8's memory-saver mode on while
//   idle and off while busy: src/core/adaptive-heap.ts.)
// - help needs none, and stays a single process start.

/** @param {string[]} argv the arguments after the script @returns {string[]} */
export function heapFlags(argv) {
  const [first] = argv;
  if (first === 'help' || argv.includes('--help') || argv.includes('-h')) return [];
  return ['--max-semi-space-size=2'];
}
