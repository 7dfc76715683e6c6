// `npm run test:unit`: every *.test.ts under src/ and bench/ except *.integration.test.ts (those need the testbed).
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTestFiles, isUnitTest } from './find-test-files.ts';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const files = findTestFiles(root, ['src', 'bench'], isUnitTest);
if (files.length === 0) {
  process.stderr.write('run-unit-tests: no *.test.ts files found under src/ or bench/\n');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-timeout=600000', ...process.argv.slice(2), ...files],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exitCode = result.status ?? 1;
