import { createClientSecrets } from '../auth/clients/client-secret.ts';
import { resealClientSecrets } from '../auth/clients/reseal-client-secrets.ts';
import { resealSecondFactors } from '../auth/mfa/reseal-second-factors.ts';
import { resealProviderSecrets } from '../auth/federation/provider-secret.ts';
import { createProviderSecretStore } from '../storage/auth/provider-secret-store.ts';
import { createSecretCipher } from '../auth/secrets/secret-cipher.ts';
import { createClientSecretStore } from '../storage/auth/client-secret-store.ts';
import { createSecondFactorStore } from '../storage/auth/second-factor-store.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';
import { UsageError, type CliIo } from './cli-io.ts';

const USAGE = `Usage: portico secrets <command>
  rekey   re-encrypt every stored client secret (and administrators' TOTP secrets, identity providers' secrets) under SECRETS_KEY; what SECRETS_KEY_PREVIOUS
          encrypted is decrypted with it (clear text from before encryption is encrypted too).
          Afterwards SECRETS_KEY_PREVIOUS can be removed.
Uses the server's settings (DATABASE_URL or DATA_DIR, SECRETS_KEY, SECRETS_KEY_PREVIOUS).`;

/**
 * `portico secrets …`: client secrets at rest in the database the server uses. Prints counts, Client ids
 * and key ids only, never a secret. Returns the exit code: 1 when some secret could not be decrypted
 * (those are left as they are, and the key that encrypted them is still needed).
 */
export async function secretsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'rekey' || rest.length !== 0) throw new UsageError(`secrets: expected rekey\n${USAGE}`);
  const config = loadCommandConfig(io.env);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const db = await openCommandDatabase(config);
  try {
    const cipher = createSecretCipher({
      key: Buffer.from(config.secrets.key, 'base64url'),
      previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')),
    });
    // Problems are reported below, once, with the counts.
    const secrets = createClientSecrets(cipher, { onUnreadable: () => {} });
    const result = await resealClientSecrets(createClientSecretStore(db), secrets, { rekey: true });
    out(
      `re-encrypted ${result.rekeyed + result.encrypted} client secrets under key ${cipher.keyId}` +
        ` (${result.rekeyed} from an older key, ${result.encrypted} stored in clear text); ${result.current} already were`,
    );
    if (result.replacedMeanwhile > 0) out(`${result.replacedMeanwhile} were replaced by another writer meanwhile (encrypted by that write)`);
    // The administrators' TOTP secrets are sealed under the same keys: moved with them, or the old key stays needed.
    const factors = await resealSecondFactors(createSecondFactorStore(db), cipher);
    out(`re-encrypted ${factors.rekeyed} administrators' TOTP secrets under key ${cipher.keyId}; ${factors.current} already were`);
    if (factors.unreadable.length > 0) {
      io.stderr.write(`portico secrets: ${factors.unreadable.length} TOTP secrets could not be decrypted with SECRETS_KEY or SECRETS_KEY_PREVIOUS and were left as they are:\n`);
      for (const problem of factors.unreadable) io.stderr.write(`  User/${problem.userId}: ${problem.message}\n`);
    }
    // So are the IdentityProviders' client secrets: a tenant's sign-in must not depend on a key about to be removed.
    const providers = await resealProviderSecrets(createProviderSecretStore(db), cipher);
    out(`re-encrypted ${providers.rekeyed} identity providers' client secrets under key ${cipher.keyId}; ${providers.current} already were`);
    if (providers.unreadable.length > 0) {
      io.stderr.write(`portico secrets: ${providers.unreadable.length} identity providers' client secrets could not be decrypted with SECRETS_KEY or SECRETS_KEY_PREVIOUS and were left as they are:\n`);
      for (const problem of providers.unreadable) io.stderr.write(`  IdentityProvider/${problem.providerId}: ${problem.message}\n`);
    }
    if (result.unreadable.length === 0 && factors.unreadable.length === 0 && providers.unreadable.length === 0) {
      if (config.secrets.previousKeys.length > 0) out('SECRETS_KEY_PREVIOUS can now be removed.');
      return 0;
    }
    if (result.unreadable.length === 0) return 1;
    io.stderr.write(`portico secrets: ${result.unreadable.length} client secrets could not be decrypted with SECRETS_KEY or SECRETS_KEY_PREVIOUS and were left as they are:\n`);
    for (const problem of result.unreadable) io.stderr.write(`  Client/${problem.clientId}: ${problem.message}\n`);
    io.stderr.write('Add the key that encrypted them to SECRETS_KEY_PREVIOUS and run this again, or rotate those secrets.\n');
    return 1;
  } finally {
    await db.close();
  }
}
