/**
 * For commands that run until stopped (run, monitor): a signal that aborts on the first SIGINT or SIGTERM, logged once.
 */
export function abortOnStopSignals(log: (line: string) => void): AbortSignal {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    log(`${signal} received, stopping`);
    controller.abort();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return controller.signal;
}
