/**
 * `npm test`: runs every test/**\/*.test.ts with Node's test runner (TypeScript through tsx).
 * Extra arguments are passed on, e.g. `npm test -- --test-name-pattern=search`; file paths
 * given as arguments replace the default set.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const explicit = args.filter((a) => a.endsWith('.test.ts'));
const options = args.filter((a) => !a.endsWith('.test.ts'));
const files =
  explicit.length > 0
    ? explicit
    : (readdirSync('test', { recursive: true }) as string[])
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join('test', f))
        .sort();

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...options, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
