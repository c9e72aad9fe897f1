import { randomUUID } from 'node:crypto';
import { createRegistryAudit, type OperatorCommand } from '../auth/audit/registry-events.ts';
import { createSigningKeys, SigningKeyError, type SigningKeyInfo } from '../auth/keys/signing-keys.ts';
import { DEFAULT_TENANT, tenantIssuer } from '../endpoints.ts';
import { createAuditStore } from '../storage/audit/audit-store.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { createSigningKeyStore } from '../storage/keys/signing-key-store.ts';

const USAGE = `Usage: portico keys <command>
  list          the signing keys: kid, algorithm, created, status (active, verifying, retired)
  rotate        add a new active key per algorithm; older keys keep verifying until retired
  retire <kid>  stop publishing a superseded key (tokens it signed no longer verify)
Uses the server's settings (DATABASE_URL or DATA_DIR, ACCESS_TOKEN_SIGNING_ALG, ...).`;

/** The operating-system account running the command, as its environment names it. */
const osUser = (env: Record<string, string | undefined>): string | undefined => env.USER || env.USERNAME || undefined;

const describe = (k: SigningKeyInfo) => `${k.kid}  ${k.alg.padEnd(5)}  ${k.createdAt.toISOString()}  ${k.status}`;

/**
 * `portico keys …`: manages token signing keys in the database the server uses. Prints kids and
 * states only; key material never leaves the database. Returns the exit code.
 */
export async function keysCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command || !['list', 'rotate', 'retire'].includes(command) || (command === 'retire' ? rest.length !== 1 : rest.length !== 0)) {
    throw new UsageError(`keys: expected list, rotate or retire <kid>\n${USAGE}`);
  }
  const config = loadCommandConfig(io.env);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const db = await openCommandDatabase(config);
  try {
    const keys = createSigningKeys({
      store: createSigningKeyStore(db),
      now: io.now,
      accessTokenAlg: config.signingKeys.accessTokenAlg,
      retireAfterDays: config.signingKeys.retireAfterDays,
    });
    // Key changes are security events of the whole deployment: recorded at the default tenant, on a chain of this
    // command's own, and awaited before the command reports success. The keys' write and the trail's are not one
    // transaction: should the record fail after the change committed, the command fails (and says so) instead.
    const audit = createRegistryAudit(createAuditStore(db, { now: io.now, newId: randomUUID }), (tenant) => tenantIssuer(config.baseUrl, tenant));
    const user = osUser(io.env);
    const by: OperatorCommand = { command: `portico keys ${command}`, ...(user ? { osUser: user } : {}) };
    if (command === 'rotate') {
      const added = await keys.rotate();
      await audit.record(DEFAULT_TENANT, by, added.map((k) => ({ object: 'key', change: 'rotated', id: k.kid, description: `New active ${k.alg} key` })));
      for (const k of added) out(`added ${k.alg} key ${k.kid} (now active)`);
    } else if (command === 'retire') {
      const kid = rest[0] ?? '';
      if (await keys.retire(kid)) await audit.record(DEFAULT_TENANT, by, [{ object: 'key', change: 'retired', id: kid }]);
      out(`retired ${kid}`);
    }
    if (command === 'list' || command === 'rotate') {
      for (const k of await keys.list()) out(describe(k));
    }
    return 0;
  } catch (err) {
    if (err instanceof SigningKeyError) {
      io.stderr.write(`portico keys: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}
