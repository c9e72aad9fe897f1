import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import { createSecondFactor, secondFactorKey } from '../auth/mfa/second-factor.ts';
import { createSecretCipher } from '../auth/secrets/secret-cipher.ts';
import { createFailureThrottle } from '../auth/sessions/failure-throttle.ts';
import { DEFAULT_TENANT } from '../endpoints.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import type { AuthWing } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  // Administrators' TOTP secrets are sealed under the client secrets' keys (SECRETS_KEY), for their User only.
  const cipher = createSecretCipher({ key: Buffer.from(config.secrets.key, 'base64url'), previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')) });
  const secondFactor = createSecondFactor({
    store: auth.secondFactors,
    sessions: tenant === undefined ? auth.sessions : auth.signInAt(tenant).sessions,
    cipher,
    // Wrong codes count as wrong passwords do (LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW), under a key of their own.
    throttle: createFailureThrottle(auth.loginAttempts, auth.loginSettings, now, secondFactorKey),
    audit: auth.securityAuditAt(tenant ?? DEFAULT_TENANT),
    required: config.mode === 'production',
    issuer: tenant === undefined ? 'Portico' : `Portico (${tenant})`,
    now,
    randomBytes: (size) => randomBytes(size),
  });
  return {
    tenant,
    registry,
    secondFactor,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), everyTenant: tenant === undefined }),
      now,
    },
  };
}
