import { lazyModule } from '../core/lazy-module.ts';
import type { CliIo } from './command.ts';

/** The bar is drawn on a terminal only. */
const cliProgress = lazyModule<typeof import('cli-progress')>('cli-progress');

export interface Progress {
  /** `done` of `total` units (bytes, windows); `detail` is shown beside the bar or in the plain line. */
  update(done: number, total: number, detail: string): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 2000;

/**
 * Progress of a long replay on stderr: a bar with rate and ETA on a terminal (cli-progress), plain periodic lines
 * otherwise (a log file or CI gets no control characters). stdout stays the report's alone.
 */
export function createProgress(io: CliIo, label: string, unit: 'MB' | 'windows'): Progress {
  const stream = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  const scale = unit === 'MB' ? 1e6 : 1;
  if (stream.isTTY) {
    const bar = new (cliProgress().SingleBar)({
      stream: stream as never,
      format: `${label} [{bar}] {percentage}% {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted} | {detail}`,
      hideCursor: true,
      clearOnComplete: false,
    });
    let started = 0;
    let begun = false;
    return {
      update(done, total, detail) {
        const value = Math.round(done / scale);
        if (!begun) {
          bar.start(Math.max(1, Math.round(total / scale)), value, { speed: '0', detail });
          started = performance.now();
          begun = true;
        }
        const seconds = (performance.now() - started) / 1000;
        bar.update(value, { speed: seconds > 0 ? (value / seconds).toFixed(0) : '0', detail });
      },
      stop: () => begun && bar.stop(),
    };
  }
  let last = performance.now();
  return {
    update(done, total, detail) {
      if (performance.now() - last < PLAIN_EVERY_MS) return;
      last = performance.now();
      const share = total > 0 ? Math.floor((100 * done) / total) : 0;
      stream.write(
        `${label}: ${share}% (${Math.round(done / scale)}/${Math.round(total / scale)} ${unit}), ${detail}\n`,
      );
    },
    stop() {},
  };
}
