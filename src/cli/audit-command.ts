import { verifyAuditChains } from '../storage/audit/audit-verify.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';

const USAGE = `Usage: portico audit verify [--tenant T] [--since DATE]
  verify           walk the audit trail's hash chains and name the first broken link
  --tenant T       only tenant T's chains (default: every tenant)
  --since DATE     start each chain at its first event at or after DATE (ISO 8601), trusting that event's link
Exit code 0 when every chain is intact, 1 naming the first broken link, 2 for bad arguments.
Uses the server's settings (DATABASE_URL or DATA_DIR, ...).`;

interface VerifyArgs {
  tenant?: string;
  since?: Date;
}

function parseVerifyArgs(args: readonly string[]): VerifyArgs {
  const parsed: VerifyArgs = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if ((flag !== '--tenant' && flag !== '--since') || value === undefined || value.startsWith('--')) {
      throw new UsageError(`audit verify: unexpected ${JSON.stringify(flag)}${flag === '--tenant' || flag === '--since' ? ' without a value' : ''}\n${USAGE}`);
    }
    if (flag === '--tenant') {
      if (parsed.tenant !== undefined) throw new UsageError(`audit verify: --tenant given twice\n${USAGE}`);
      parsed.tenant = value;
    } else {
      const since = new Date(value);
      // Date-only or a full ISO 8601 date-time: nothing Date.parse would guess at.
      if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) || Number.isNaN(since.getTime())) {
        throw new UsageError(`audit verify: --since ${JSON.stringify(value)} is not an ISO 8601 date\n${USAGE}`);
      }
      if (parsed.since !== undefined) throw new UsageError(`audit verify: --since given twice\n${USAGE}`);
      parsed.since = since;
    }
  }
  return parsed;
}

/** `portico audit verify …`: checks the audit trail in the server's database. Returns the exit code. */
export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'verify') throw new UsageError(`audit: expected verify\n${USAGE}`);
  const options = parseVerifyArgs(rest);
  const config = loadCommandConfig(io.env);
  const db = await openCommandDatabase(config);
  try {
    const result = await verifyAuditChains(db, options);
    const checked = `${result.events} event${result.events === 1 ? '' : 's'} in ${result.chains} chain${result.chains === 1 ? '' : 's'}`;
    if (result.ok) {
      io.stdout.write(`audit trail intact: ${checked} verified\n`);
      return 0;
    }
    const { chain, seq, reason } = result.broken;
    io.stdout.write(`audit trail broken: chain ${chain} seq ${seq}: ${reason} (${checked} verified before it)\n`);
    return 1;
  } finally {
    await db.close();
  }
}
