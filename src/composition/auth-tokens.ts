import type { Config } from '../config.ts';
import { randomToken } from '../shared/random-token.ts';
import { assertionAudiences } from '../endpoints.ts';
import { createClientAuthenticator, type ClientAuthenticator } from '../auth/client-auth/client-authenticator.ts';
import type { JtiStore } from '../auth/client-auth/jti-store.ts';
import { createHttpJwksFetcher } from '../auth/client-auth/jwks/http-jwks-fetcher.ts';
import { createJwksCache } from '../auth/client-auth/jwks/jwks-cache.ts';
import { createSigningKeys, type SigningKeys } from '../auth/keys/signing-keys.ts';
import { generateBearerToken } from '../auth/registration/bearer-token.ts';
import { createLoginThrottle } from '../auth/sessions/login-throttle.ts';
import { generateSessionId } from '../auth/sessions/session-id.ts';
import { createSessionService, type SessionService } from '../auth/sessions/session-service.ts';
import { createDecoyHash, createSignIn, createSignOut } from '../auth/sessions/sign-in.ts';
import { createSecurityAudit, type SecurityAudit } from '../auth/audit/security-audit.ts';
import type { TokenDeps } from '../auth/tokens/token-deps.ts';
import { hashPassword, verifyPassword } from '../auth/users/password-hash.ts';
import { isUserOf } from '../auth/tenants/tenant-scope.ts';
import { DEFAULT_TENANT, tenantIssuer } from '../endpoints.ts';
import { createAuthStores } from '../storage/auth/auth-stores.ts';
import { createCodeStore } from '../storage/auth/code-store.ts';
import { createGrantStore } from '../storage/auth/grant-store.ts';
import { createJtiStore } from '../storage/auth/jti-store.ts';
import { createSessionStore } from '../storage/auth/session-store.ts';
import { createSigningKeyStore } from '../storage/keys/signing-key-store.ts';
import { createAccessTokenLedger, createRefreshTokenStore } from '../storage/auth/token-store.ts';
import { SMART_STYLE_PATH } from '../ui/smart-style.ts';
import type { AuthRegistry } from './auth-registry.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

export interface AuthTokens {
  /** Token signing keys (JWKS); created in the database on first use. */
  signingKeys: SigningKeys;
  /** One jti ledger: client assertions, and EHR launch tokens (prefixed). */
  jtis: JtiStore;
  /** Token-endpoint client authentication (none, client_secret_basic/post, private_key_jwt). */
  clientAuthenticator: ClientAuthenticator;
  /** The same for another issuer: the Clients its tenant knows, assertions addressed to its token endpoint. */
  clientAuthenticatorAt(clients: AuthRegistry['here']['clients'], baseUrl: string): ClientAuthenticator;
  /** Browser sign-in sessions (the default tenant's Users). */
  sessions: SessionService;
  /** The sign-in page's check of an email and password, throttled and recorded. */
  signIn: ReturnType<typeof createSignIn>;
  /** Signing out, recorded. */
  signOut: ReturnType<typeof createSignOut>;
  /** The same for one tenant's Users: a session of any other User is no session there. */
  signInAt(tenantId: string): { sessions: SessionService; signIn: ReturnType<typeof createSignIn>; signOut: ReturnType<typeof createSignOut> };
  /** A tenant's security events (sign-in, consent, codes, tokens), at its issuer, on the auth pool's trail. */
  securityAuditAt(tenantId: string): SecurityAudit;
  /** What the token-side endpoints run on (token issuance, introspection, revocation, userinfo). */
  tokens: TokenDeps;
}

/** Who may have a token and how it is issued: signing keys, client authentication, sign-in sessions, the token endpoints' dependencies. */
export function buildAuthTokens(config: Config, storage: StorageWing, registry: AuthRegistry, { now, newId }: Runtime): AuthTokens {
  const { authDb } = storage;
  const { here, grants } = registry;
  const signingKeys = createSigningKeys({
    store: createSigningKeyStore(authDb),
    now,
    accessTokenAlg: config.signingKeys.accessTokenAlg,
    retireAfterDays: config.signingKeys.retireAfterDays,
  });
  const jtis = createJtiStore(authDb);
  // One cache of clients' JWKS for every issuer: a client's keys are the same wherever it authenticates.
  const jwks = createJwksCache({
    now,
    fetch: createHttpJwksFetcher({
      timeoutMs: config.jwksFetch.timeoutMs,
      maxBytes: config.jwksFetch.maxBytes,
      allowHttp: config.jwksFetch.allowHttp,
      allowedAddresses: new Set(config.jwksFetch.allowedAddresses),
    }),
  });
  // A client assertion names the token endpoint of the issuer it is meant for (its `aud`): another tenant's is refused.
  const clientAuthenticatorAt = (clients: AuthRegistry['here']['clients'], baseUrl: string) =>
    createClientAuthenticator({ clients, secrets: registry.clientSecrets, jtis, jwks, throttle: registry.clientAuthThrottle, now, audiences: assertionAudiences(baseUrl) });
  const clientAuthenticator = clientAuthenticatorAt(here.clients, config.baseUrl);
  const securityAuditAt = (tenantId: string) => createSecurityAudit(storage.authAudit, tenantId, tenantIssuer(config.baseUrl, tenantId));
  const sessionStore = createSessionStore(authDb);
  const throttle = createLoginThrottle(registry.loginAttempts, registry.loginSettings, now);
  const decoyHash = createDecoyHash(hashPassword, () => randomToken(32));
  // One session table and one sign-in throttle for the deployment; whose Users a session may be of is the tenant's.
  const signInAt = (tenantId: string) => {
    const sessions = createSessionService({
      store: sessionStore,
      users: registry.auth.users,
      signsInHere: (user) => isUserOf(user, tenantId),
      settings: { idleTimeoutSeconds: config.sessions.idleTimeout, maxLifetimeSeconds: config.sessions.maxLifetime },
      now,
      newSessionId: generateSessionId,
    });
    const audit = securityAuditAt(tenantId);
    return {
      sessions,
      signIn: createSignIn({ users: registry.at(tenantId).users, sessions, throttle, verifyPassword, decoyHash, audit }),
      signOut: createSignOut({ sessions, audit }),
    };
  };
  const { sessions, signIn, signOut } = signInAt(DEFAULT_TENANT);
  const tokens: TokenDeps = {
    issuer: config.baseUrl,
    fhirBaseUrl: config.fhirBaseUrl,
    tenant: DEFAULT_TENANT,
    signingKeys,
    clientAuthenticator,
    root: config.admin,
    codes: createCodeStore(authDb),
    grants,
    refreshTokens: createRefreshTokenStore(authDb),
    accessTokens: createAccessTokenLedger(authDb),
    users: here.users,
    // A token response's writes in one transaction of the auth pool (the admission counts it as one unit of work).
    issueAtomically: (work) =>
      authDb.transaction((tx) =>
        work({
          codes: createCodeStore(tx),
          grants: createGrantStore(tx),
          refreshTokens: createRefreshTokenStore(tx),
          accessTokens: createAccessTokenLedger(tx),
          users: createAuthStores(tx, { now, newId }).users,
        }),
      ),
    sessions,
    audit: securityAuditAt(DEFAULT_TENANT),
    smartStyleUrl: `${config.baseUrl}${SMART_STYLE_PATH}`,
    settings: { accessTokenMaxLifetime: config.tokens.accessTokenMaxLifetime, refreshTokenLifetime: config.tokens.refreshTokenLifetime },
    now,
    newId,
    newSecret: generateBearerToken,
  };
  return { signingKeys, jtis, clientAuthenticator, clientAuthenticatorAt, sessions, signIn, signOut, signInAt, securityAuditAt, tokens };
}
