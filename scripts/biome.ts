// Runs Biome (lint + format) from its platform binary package. The package registry these machines use serves only
// Biome's Linux binaries, so the project depends on those directly (optionalDependencies) instead of on
// @biomejs/biome, whose other-platform optional packages would make `npm ci` fail here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const candidates = [
  join(root, 'node_modules', '@biomejs', `cli-${process.platform}-${process.arch}`, 'biome'),
  join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'),
];
const binary = candidates.find((path) => existsSync(path));
if (!binary) {
  process.stderr.write(
    `biome: no Biome binary for ${process.platform}-${process.arch} in node_modules; run \`npm install --no-save @biomejs/biome@2.6.8\`\n`,
  );
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { cwd: root, stdio: 'inherit' });
process.exitCode = result.status ?? 1;
