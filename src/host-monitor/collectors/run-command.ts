import { execFile } from 'node:child_process';

export type CommandResult =
  | { status: 'ok'; stdout: string; stderr: string; exitCode: number }
  | { status: 'missing'; error: string }
  | { status: 'failed'; error: string; stdout: string; stderr: string; exitCode?: number };

/**
 * Runs a tool without a shell (arguments are never interpolated) under a timeout and an output cap. A tool that is
 * not installed is `missing`, so its collector can skip softly; a non-zero exit keeps stdout because ping exits 1 when
 * packets were lost and still prints its statistics. `cLocale` runs the tool with LC_ALL=C for tools whose output we
 * parse as text and that translate it (iputils ping prints `Pakete übertragen` under a German locale).
 */
export function runCommand(
  file: string,
  args: string[],
  options: { timeoutMs?: number; maxBytes?: number; cLocale?: boolean } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: options.maxBytes ?? 16 * 1024 * 1024,
        encoding: 'utf8',
        env: options.cLocale ? { ...process.env, LC_ALL: 'C' } : process.env,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ status: 'ok', stdout, stderr, exitCode: 0 });
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          resolve({ status: 'missing', error: `${file} is not installed (not found on PATH)` });
          return;
        }
        const exitCode = typeof code === 'number' ? code : undefined;
        const reason = error.killed
          ? `timed out after ${options.timeoutMs ?? 30_000} ms`
          : error.message.split('\n')[0];
        resolve({ status: 'failed', error: `${file}: ${reason}`, stdout, stderr, exitCode });
      },
    );
  });
}
