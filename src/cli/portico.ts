import { adminCommand } from './admin-command.ts';
import { assertionCommand } from './assertion-command.ts';
import { auditCommand } from './audit-command.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { keysCommand } from './keys.ts';
import { migrateDataCommand } from './migrate-data.ts';
import { secretsCommand } from './secrets.ts';
import { seedCommand } from './seed-command.ts';

const USAGE = `Usage: portico <command> [options]

Commands:
  seed       write a deterministic synthetic US Core population (portico seed --help)
  keys       token signing keys: list, rotate, retire <kid> (portico keys --help)
  secrets    client secrets at rest: rekey (portico secrets --help)
  assertion  print a signed client assertion for a backend client's key (portico assertion --help)
  migrate-data  move a DATA_DIR made by PGlite to embedded PostgreSQL (portico migrate-data --help)
  audit      the audit trail: verify its hash chains, expire old events, export, tail (portico audit --help)
  admin      administrators: create-user --email E [--tenant T], reset-second-factor --email E (portico admin --help)

Settings come from the same environment variables as the server (DATABASE_URL, DATA_DIR ...).
`;

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 bad arguments). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'seed') return await seedCommand(rest, io);
    if (command === 'keys') return await keysCommand(rest, io);
    if (command === 'secrets') return await secretsCommand(rest, io);
    if (command === 'assertion') return await assertionCommand(rest, io);
    if (command === 'migrate-data') return await migrateDataCommand(rest, io);
    if (command === 'audit') return await auditCommand(rest, io);
    if (command === 'admin') return await adminCommand(rest, io);
    throw new UsageError(`Unknown command ${JSON.stringify(command)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`portico: ${err.message}\nRun "portico ${command === 'seed' || command === 'assertion' ? `${command} ` : ''}--help" for usage.\n`);
      return 2;
    }
    io.stderr.write(`portico: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// Entry point (npm run seed / npm run portico / bin/portico.js).
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/cli/portico.ts')) {
  const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, now: () => new Date() });
  process.exitCode = code;
}
