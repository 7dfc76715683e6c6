// The V8 heap flags of a devops-agent process, chosen from its command line. They only take effect when V8 starts,
// so bin/devops-agent.js re-executes itself with them (bench/README.md, "Memory", has the figures):
// - one-shot commands: 2 MB young-generation semi-spaces instead of V8's 16 MB, which a process otherwise keeps
//   resident; scan throughput is unchanged (a two-thread scan of 1M lines peaks at 118 MB, 138 MB with 8 MB).
// - the daemon (no command, or `run`): 8 MB. Catching up on a million one-probe clients took 6.0 s instead of 6.9 s
//   (four runs each, medians), its peak the same 207 to 232 MB, and idle it stays at 97 MB: it switches V8's
//   memory-saver mode on while idle and off while busy (src/core/adaptive-heap.ts).
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
  const daemon = first === undefined || first === 'run' || first.startsWith('-');
  return [`--max-semi-space-size=${daemon ? 8 : 2}`, '--no-allocation-site-pretenuring'];
}
