import { join } from 'node:path';
import { buildGoBinary, hashFiles } from './go-binary.ts';
import { testbedSourceDir, versions } from './testbed-paths.ts';

/** The NetworkPolicy verdict tool (testbed/netpol): policies + traffic cases in, allow/deny per case out. */
export interface NetpolVerdictInstall {
  /** The cyclonus version whose `pkg/matcher` decides. */
  version: string;
  bin: string;
}

const moduleDir = join(testbedSourceDir, 'netpol');
const stampFiles = ['go.mod', 'go.sum', 'main.go'];

/**
 * Builds the tool into the cache, once per go.mod/go.sum/main.go content. Its source is ours, so the cache directory
 * is named after that content too: worktrees with different sources never lend each other a binary.
 */
export function buildNetpolVerdict(logFile: string): Promise<NetpolVerdictInstall> {
  const contentHash = hashFiles(moduleDir, stampFiles).slice(0, 12);
  return buildGoBinary({
    name: 'netpol-verdict',
    version: `${versions.cyclonus}-${contentHash}`,
    moduleDir,
    packagePath: '.',
    stampFiles,
    logFile,
  }).then((bin) => ({ version: versions.cyclonus, bin }));
}
