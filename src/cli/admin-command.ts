import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ADMIN_ROLE } from '../auth/admin/admin-access.ts';
import { AdminError } from '../auth/admin/admin-error.ts';
import { createRegistryAdmin } from '../auth/admin/registry-admin.ts';
import { createRegistryAudit, type OperatorCommand, type RegistryAudit } from '../auth/audit/registry-events.ts';
import { createClientSecrets, generateClientSecret } from '../auth/clients/client-secret.ts';
import { createProviderSecrets } from '../auth/federation/provider-secret.ts';
import { identityProviderAdmin } from '../composition/identity-provider-admin.ts';
import { createSecretCipher } from '../auth/secrets/secret-cipher.ts';
import { DEFAULT_TENANT, tenantIssuer } from '../endpoints.ts';
import { randomToken } from '../shared/random-token.ts';
import { createAuditStore } from '../storage/audit/audit-store.ts';
import { createAuthStores } from '../storage/auth/auth-stores.ts';
import { createSecondFactorStore } from '../storage/auth/second-factor-store.ts';
import { createTenantHoldings } from '../storage/auth/tenant-holdings.ts';
import type { Config } from '../config.ts';
import type { Database } from '../storage/database.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';

const USAGE = `Usage: portico admin create-user --email E [--tenant T] [--name N] [--password-stdin]
       portico admin reset-second-factor --email E
  create-user   a User with the role admin: the deployment's administrator (at the root URLs), or with
                --tenant T that tenant's (it must exist). The password is generated and printed once, unless
                --password-stdin reads it from standard input (its first line).
  reset-second-factor
                removes the User's second factor (a lost phone, recovery codes used up): their sessions must
                present one again, and they enrol anew at their next sign-in to the console.
They sign in to the admin console (/admin, or /t/T/admin) and, in production mode, enrol a second factor there.
Uses the server's settings (DATABASE_URL or DATA_DIR, SECRETS_KEY, BASE_URL, ...).`;

/** A generated password: 24 random bytes, base64url (32 characters, 192 bits). */
const GENERATED_PASSWORD_BYTES = 24;

/** The operating-system account running the command, as its environment names it. */
const osUser = (env: Record<string, string | undefined>): string | undefined => env.USER || env.USERNAME || undefined;

/**
 * `portico admin create-user`: makes an administrator (the first one, typically) through the admin API's own
 * service (RegistryAdmin: the same validation, tenant check and duplicate-email check), recorded on the audit trail
 * as the operator's command. Returns the exit code.
 */
export async function adminCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'reset-second-factor') return resetSecondFactor(rest, io);
  if (command !== 'create-user') throw new UsageError(`admin: expected create-user or reset-second-factor\n${USAGE}`);
  const flags = parseCreateUser(rest);
  const config = loadCommandConfig(io.env);
  const password = flags.passwordStdin ? await passwordFrom(io) : randomToken(GENERATED_PASSWORD_BYTES);
  const db = await openCommandDatabase(config);
  try {
    const by: OperatorCommand = { command: 'portico admin create-user', ...(osUser(io.env) ? { osUser: osUser(io.env) } : {}) };
    const admin = registryAdmin(config, db, io, by, flags.tenant);
    const body = {
      resourceType: 'User',
      email: flags.email,
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      password,
      roles: [ADMIN_ROLE],
      ...(flags.tenant !== undefined ? { meta: { _tenant: flags.tenant } } : {}),
    };
    // The root client's powers, as an operator on the server's host has; the audit records the operator (below).
    const user = await admin.create('User', body, { kind: 'root' });
    const where = flags.tenant === undefined ? 'the deployment (/admin)' : `tenant ${flags.tenant} (/t/${flags.tenant}/admin)`;
    io.stdout.write(`created User/${user.id} (${flags.email}), administrator of ${where}\n`);
    if (!flags.passwordStdin) io.stdout.write(`password: ${password}\n(shown only this once)\n`);
    return 0;
  } catch (err) {
    if (err instanceof AdminError) {
      io.stderr.write(`portico admin create-user: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

interface CreateUserFlags {
  email: string;
  tenant?: string;
  name?: string;
  passwordStdin: boolean;
}

function parseCreateUser(args: readonly string[]): CreateUserFlags {
  let values: { email?: string; tenant?: string; name?: string; 'password-stdin'?: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: { email: { type: 'string' }, tenant: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError(`admin create-user: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (!values.email) throw new UsageError(`admin create-user: --email is required\n${USAGE}`);
  return {
    email: values.email,
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
    passwordStdin: values['password-stdin'] === true,
  };
}

/** The first line of standard input (a password piped in, never an argument: arguments show in `ps`). */
async function passwordFrom(io: CliIo): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin ?? process.stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (!password) throw new UsageError('admin create-user: --password-stdin read no password');
  return password;
}

/** The admin API's service over this database, its changes recorded as the operator's (at the tenant's issuer). */
function registryAdmin(config: Config, db: Database, io: CliIo, by: OperatorCommand, tenant: string | undefined) {
  const now = io.now;
  const trail = createRegistryAudit(createAuditStore(db, { now, newId: randomUUID }), (t) => tenantIssuer(config.baseUrl, t));
  // RegistryAdmin names its caller as the actor; this command's changes are the operator's.
  const audit: RegistryAudit = { record: (t, _caller, changes) => trail.record(t, by, changes) };
  const cipher = createSecretCipher({ key: Buffer.from(config.secrets.key, 'base64url'), previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')) });
  const stores = createAuthStores(db, { now, newId: randomUUID });
  const deps = {
    ...stores,
    tenantHoldings: createTenantHoldings(db),
    newSecret: generateClientSecret,
    newId: randomUUID,
    secrets: createClientSecrets(cipher, { onUnreadable: () => undefined }),
    jwksUriAddresses: new Set(config.jwksFetch.allowedAddresses),
    audit,
    ...identityProviderAdmin(config, createProviderSecrets(cipher)),
  };
  // A tenant's administrator is created through that tenant's admin API (bound to it; an unknown tenant refused).
  return createRegistryAdmin(deps, tenant === undefined ? undefined : { tenant });
}

/**
 * `portico admin reset-second-factor --email E`: the operator's way back in for an administrator who lost their
 * authenticator and their recovery codes. Removes the factor and the mark of the sessions that presented it, and
 * records the change as the operator's at the User's tenant. Exit 1 for an unknown email or a User with none.
 */
async function resetSecondFactor(args: readonly string[], io: CliIo): Promise<number> {
  let email: string | undefined;
  try {
    email = parseArgs({ args: [...args], options: { email: { type: 'string' } }, strict: true, allowPositionals: false }).values.email;
  } catch (err) {
    throw new UsageError(`admin reset-second-factor: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (!email) throw new UsageError(`admin reset-second-factor: --email is required\n${USAGE}`);
  const config = loadCommandConfig(io.env);
  const db = await openCommandDatabase(config);
  try {
    const user = await createAuthStores(db, { now: io.now, newId: randomUUID }).users.findByEmail(email);
    if (!user) {
      io.stderr.write(`portico admin reset-second-factor: there is no User with the email ${email}\n`);
      return 1;
    }
    if (!(await createSecondFactorStore(db).reset(user.id))) {
      io.stderr.write(`portico admin reset-second-factor: User/${user.id} (${email}) has no second factor\n`);
      return 1;
    }
    const by: OperatorCommand = { command: 'portico admin reset-second-factor', ...(osUser(io.env) ? { osUser: osUser(io.env) } : {}) };
    const trail = createRegistryAudit(createAuditStore(db, { now: io.now, newId: randomUUID }), (t) => tenantIssuer(config.baseUrl, t));
    await trail.record(user.meta?._tenant ?? DEFAULT_TENANT, by, [{ object: 'user', change: 'second-factor-reset', id: user.id }]);
    io.stdout.write(`removed the second factor of User/${user.id} (${email}): they enrol a new one at their next sign-in to the console\n`);
    return 0;
  } finally {
    await db.close();
  }
}
