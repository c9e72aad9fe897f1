import type { SecurityAudit } from '../audit/security-audit.ts';
import type { ClientAuthenticator } from '../client-auth/client-authenticator.ts';
import type { AuthorizationCodeStore } from '../grants/grant.ts';
import type { AccessTokenLedger, GrantStore, RefreshTokenStore } from '../grants/grant-store.ts';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { RootClientCredentials } from '../root-client.ts';
import type { SessionLiveness } from '../sessions/session-service.ts';
import type { UserRepository } from '../users/user.ts';
import type { TokenSettings } from './token-settings.ts';

/**
 * The stores one token response writes through (and the User its `userinfo` shows). Within
 * `TokenDeps.issueAtomically` they are bound to one transaction; revoking a grant is not among them, since a
 * revocation must outlive the failed request that decides it.
 */
export interface IssuanceStores {
  codes: AuthorizationCodeStore;
  grants: Pick<GrantStore, 'save'>;
  refreshTokens: RefreshTokenStore;
  accessTokens: AccessTokenLedger;
  users: Pick<UserRepository, 'get'>;
}

/** Everything the token-side endpoints need, passed in (nothing global). */
export interface TokenDeps {
  /** BASE_URL: the OpenID issuer and our tokens' `iss`. */
  issuer: string;
  /** The FHIR base URL: access tokens' `aud`, and the base of absolute fhirUser URLs. */
  fhirBaseUrl: string;
  /** The tenant this issuer is: grants made here record it, and a code or refresh token of another tenant is unknown here. */
  tenant: string;
  signingKeys: SigningKeys;
  clientAuthenticator: ClientAuthenticator;
  /** The root (admin) client: it may introspect any token, as it may call every API. */
  root: RootClientCredentials;
  codes: AuthorizationCodeStore;
  grants: GrantStore;
  refreshTokens: RefreshTokenStore;
  accessTokens: AccessTokenLedger;
  users: UserRepository;
  /**
   * Runs `work` in one transaction with the stores bound to it: spending a code or refresh token and storing what
   * it is exchanged for commit together, or nothing does (a storage fault leaves the code or token unspent, so the
   * client's retry succeeds). `work` must reach the database only through those stores: the transaction holds
   * its connection, and on a pool of one anything else would wait for it for ever.
   */
  issueAtomically<T>(work: (stores: IssuanceStores) => Promise<T>): Promise<T>;
  /** This tenant's security events: each token, introspection and revocation request records one before it is answered. */
  audit: SecurityAudit;
  /** Sign-in sessions: an online_access refresh token works only while the session that granted it lives. */
  sessions: SessionLiveness;
  /** The absolute URL of our SMART style document (SMART 2.2 §"Styling"), sent in user-launch token responses. */
  smartStyleUrl: string;
  settings: TokenSettings;
  now: () => Date;
  /** Grant ids and jtis. */
  newId: () => string;
  /** An opaque random secret (refresh tokens): at least 256 bits, URL-safe. */
  newSecret: () => string;
}

// Re-exported for callers that take it together with the token deps.
