// The V8 heap flags of a devops-agent process, chosen from its command line. They only take effect when V8 starts,
// so bin/devops-agent.js re-executes itself with them (bench/README.md, "Memory", has the figures):
// - every command, the daemon included: 2 MB young-generation semi-spaces instead of V8's 16 MB, which a process
//   otherwise keeps resident; scan throughput is unchanged. (The daemon also switches V8's memory-saver mode on while
//   idle and off while busy: src/core/adaptive-heap.ts.)
// - no allocation-site pretenuring: a replay's parsed events are short-lived once a read is handed out in small
//   batches, but V8 keeps allocating them straight into the old generation after the site-profile warm-up (which
//   keeps its batches) taught it they survive.
// - (once the heap is large, src/core/heap-growth.ts caps how fast the old generation grows: that flag is read at
//   runtime, so it is not here.)
// - help needs none, and stays a single process start.

/** @param {string[]} argv the arguments after the script @returns {string[]} */
export function heapFlags(argv) {
  const [first] = argv;
  if (first === 'help' || argv.includes('--help') || argv.includes('-h')) return [];
  return ['--max-semi-space-size=2', '--no-allocation-site-pretenuring'];
}
