import { createSigningKeys, SigningKeyError, type SigningKeyInfo } from '../auth/keys/signing-keys.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { createSigningKeyStore } from '../storage/keys/signing-key-store.ts';

const USAGE = `Usage: portico keys <command>
  list          the signing keys: kid, algorithm, created, status (active, verifying, retired)
  rotate        add a new active key per algorithm; older keys keep verifying until retired
  retire <kid>  stop publishing a superseded key (tokens it signed no longer verify)
Uses the server's settings (DATABASE_URL or DATA_DIR, ACCESS_TOKEN_SIGNING_ALG, ...).`;

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
    if (command === 'rotate') {
      for (const k of await keys.rotate()) out(`added ${k.alg} key ${k.kid} (now active)`);
    } else if (command === 'retire') {
      const kid = rest[0] ?? '';
      await keys.retire(kid);
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
