import { expireAuditEvents } from '../storage/audit/audit-expiry.ts';
import { verifyAuditChains } from '../storage/audit/audit-verify.ts';
import { parseFlags } from './audit-args.ts';
import { exportAuditEvents } from './audit-export-command.ts';
import { tailAuditEvents } from './audit-tail-command.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';

const USAGE = `Usage: portico audit verify [--tenant T] [--since DATE]
       portico audit expire
       portico audit export --since DATE [--until DATE] [--tenant T] [--out FILE]
       portico audit tail [--tenant T] [--since DATE] [--json]
  verify           walk the audit trail's hash chains and name the first broken link
    --tenant T     only tenant T's chains (default: every tenant)
    --since DATE   start each chain at its first event at or after DATE (ISO 8601), trusting that event's link
  expire           remove the events older than AUDIT_RETENTION_DAYS (default 2190), oldest first in each chain, which
                   keeps an anchor so that it verifies from its oldest retained event; prints what it removed (the
                   server does the same hourly)
  export           write the events recorded from --since up to (not including) --until as NDJSON, one AuditEvent per
                   line, oldest first, to FILE (--out) or standard output; the count goes to standard error
  tail             print events as they are recorded, from now (or --since DATE), one line each (--json: NDJSON),
                   until interrupted (SIGINT or SIGTERM)
    --tenant T     only tenant T's events
Exit code 0 when done (verify: every chain intact), 1 on failure (verify: naming the first broken link), 2 for bad
arguments. Uses the server's settings (DATABASE_URL or DATA_DIR, AUDIT_RETENTION_DAYS, ...).`;

const COMMANDS = ['verify', 'expire', 'export', 'tail'];

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `portico audit verify|expire|export|tail …`: the audit trail in the server's database. Returns the exit code. */
export async function auditCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === undefined || !COMMANDS.includes(command)) throw new UsageError(`audit: expected verify, expire, export or tail\n${USAGE}`);
  if (command === 'verify') return verify(rest, io);
  if (command === 'expire') return expire(rest, io);
  if (command === 'export') {
    const flags = parseFlags('export', rest, { '--since': 'date', '--until': 'date', '--tenant': 'text', '--out': 'text' }, USAGE);
    const since = flags['--since'] ?? refuse('export', '--since DATE is required');
    const until = flags['--until'];
    if (until && until.getTime() <= since.getTime()) refuse('export', '--until must be later than --since');
    return exportAuditEvents(io, { since, ...(until ? { until } : {}), ...tenantOf(flags['--tenant']) }, flags['--out']);
  }
  const flags = parseFlags('tail', rest, { '--tenant': 'text', '--since': 'date', '--json': 'switch' }, USAGE);
  return tailAuditEvents(io, { since: flags['--since'] ?? io.now(), json: flags['--json'] === true, ...tenantOf(flags['--tenant']) });
}

const tenantOf = (tenant: string | undefined) => (tenant === undefined ? {} : { tenant });

function refuse(command: string, problem: string): never {
  throw new UsageError(`audit ${command}: ${problem}\n${USAGE}`);
}

async function verify(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('verify', args, { '--tenant': 'text', '--since': 'date' }, USAGE);
  const options = { ...tenantOf(flags['--tenant']), ...(flags['--since'] ? { since: flags['--since'] } : {}) };
  const db = await openCommandDatabase(loadCommandConfig(io.env));
  try {
    const result = await verifyAuditChains(db, options);
    const checked = `${plural(result.events, 'event')} in ${plural(result.chains, 'chain')}`;
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

/**
 * Exit 0 when everything due was removed (or nothing was due); 1 when a broken link held a chain's expiry back, or
 * another process (a server's hourly run) held the lock.
 */
async function expire(args: readonly string[], io: CliIo): Promise<number> {
  parseFlags('expire', args, {}, USAGE);
  const config = loadCommandConfig(io.env);
  const db = await openCommandDatabase(config);
  try {
    const result = await expireAuditEvents(db, { now: io.now, retentionDays: config.audit.retentionDays });
    for (const range of result.expired) {
      io.stdout.write(`expired chain ${range.chain} (tenant ${range.tenant}): seq ${range.from} to ${range.to}, ${plural(range.to - range.from + 1, 'event')}\n`);
    }
    io.stdout.write(`expired ${plural(result.events, 'event')} recorded before ${result.cutoff.toISOString()} (AUDIT_RETENTION_DAYS=${config.audit.retentionDays}) from ${plural(result.expired.length, 'chain')}\n`);
    for (const { chain, seq, reason } of result.broken) {
      io.stdout.write(`kept chain ${chain} from seq ${seq}: ${reason} (portico audit verify)\n`);
    }
    if (result.busy) io.stderr.write('portico audit expire: another process is expiring audit events: it removes the rest\n');
    return result.broken.length > 0 || result.busy ? 1 : 0;
  } finally {
    await db.close();
  }
}
