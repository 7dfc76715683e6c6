// Preloaded by cli-bench.ts: prints this process's own peak RSS (VmHWM) at exit. GNU time's figure is not used
// because it is the largest of the process and its children, and a child forked from Node counts the parent's pages.
process.on('exit', () => {
  const peak = /VmHWM:\s+(\d+) kB/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
  process.stderr.write(`\npeak-rss-kb ${peak ? peak[1] : 0}\n`);
});
