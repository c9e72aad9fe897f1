/**
 * Compiles the server for `npm start` (run by npm as `prestart`): each entry below bundled by esbuild
 * into dist/ as plain JavaScript, the packages left to node_modules. Running compiled code spares every
 * start the TypeScript loader: its thread and transpiled sources (about 40 MB), the helper that names
 * each closure at run time, and a transpile of every file on a fresh machine. Tests and the CLI run
 * the sources through tsx, as before.
 *
 * Nothing happens when dist/ is newer than every source; a bundle is written to a temporary file and
 * renamed, so two builds at once (parallel test files) never leave half a file.
 *
 * `node scripts/build.mjs [--force] [--bench]`: --bench also bundles the benchmark's server.
 */
import { build } from 'esbuild';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { readdir, rename, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

/** Entry (relative to the repository) → bundle in dist/. */
const ENTRIES = {
  'src/main.ts': 'dist/main.mjs',
  // The PGlite worker thread loads its own module (DATABASE=pglite-worker).
  'src/storage/drivers/pglite-thread.ts': 'dist/pglite-thread.mjs',
  ...(args.has('--bench') ? { 'bench/server/bench-server.ts': 'dist/bench-server.mjs' } : {}),
};

async function newest(dir) {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, (await stat(join(entry.parentPath ?? entry.path, entry.name))).mtimeMs);
  }
  return latest;
}

async function upToDate(outputs) {
  // The bench server's own code only: bench/.data holds the cached databases, always newer.
  const bench = args.has('--bench') ? [await newest(join(root, 'bench', 'server')), await newest(join(root, 'bench', 'runner'))] : [];
  const sources = Math.max(await newest(join(root, 'src')), ...bench, (await stat(join(root, 'package-lock.json'))).mtimeMs);
  for (const output of outputs) {
    const built = await stat(join(root, output)).then((s) => s.mtimeMs, () => 0);
    if (built <= sources) return false;
  }
  return true;
}

if (args.has('--force') || !(await upToDate(Object.values(ENTRIES)))) {
  const started = performance.now();
  for (const [entry, output] of Object.entries(ENTRIES)) {
    const temporary = join(root, `${output}.${process.pid}.tmp`);
    await build({
      entryPoints: [join(root, entry)],
      outfile: temporary,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    await rename(temporary, join(root, output));
  }
  process.stderr.write(`built ${Object.values(ENTRIES).map((o) => relative(root, join(root, o))).join(', ')} in ${Math.round(performance.now() - started)} ms\n`);
}
