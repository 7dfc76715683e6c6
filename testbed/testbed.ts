// `npm run testbed:up | testbed:down | testbed:status`: real servers on 127.0.0.1 for integration tests.
import { down, envLines, healthyState, up } from './testbed-control.ts';

const usage = 'usage: node testbed/testbed.ts up|down|status';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const started = Date.now();
      const state = await up();
      process.stderr.write(`testbed: up in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
      for (const line of envLines(state)) process.stdout.write(`${line}\n`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'status': {
      // Lines go to stdout so that `eval "$(npm run -s testbed:status)"` works; comments go to stderr.
      const state = await healthyState();
      const lines = envLines(state);
      for (const line of lines) process.stdout.write(`${line}\n`);
      for (const note of state.notes) process.stderr.write(`# ${note}\n`);
      const complete =
        state.elasticsearch !== undefined &&
        state.kube !== undefined &&
        state.traefik !== undefined &&
        state.registry !== undefined;
      if (!complete) process.stderr.write('# testbed is not (fully) running: npm run testbed:up\n');
      return complete ? 0 : 1;
    }
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
