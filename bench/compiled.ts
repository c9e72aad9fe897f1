import { spawnSync } from 'node:child_process';

/**
 * The bench runs what `npm start` runs: the server compiled into dist/ (scripts/build.mjs), and its own
 * bench server compiled the same way, so no TypeScript loader is measured. Built once per bench.
 */
let built = false;
export function compiled(entry: 'main' | 'bench-server'): string {
  if (!built) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--bench'], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`scripts/build.mjs failed (${build.status}):\n${build.stderr}`);
    built = true;
  }
  return `dist/${entry}.mjs`;
}
