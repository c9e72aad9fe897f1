import type { ClientAuthenticator } from '../client-auth/client-authenticator.ts';
import type { AuthorizationCodeStore } from '../grants/grant.ts';
import type { AccessTokenLedger, GrantStore, RefreshTokenStore } from '../grants/grant-store.ts';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { RootClientCredentials } from '../root-client.ts';
import type { SessionLiveness } from '../sessions/session-service.ts';
import type { UserRepository } from '../users/user.ts';
import type { TokenSettings } from './token-settings.ts';

/** Everything the token-side endpoints need, passed in (nothing global). */
export interface TokenDeps {
  /** BASE_URL: the OpenID issuer and our tokens' `iss`. */
  issuer: string;
  /** The FHIR base URL: access tokens' `aud`, and the base of absolute fhirUser URLs. */
  fhirBaseUrl: string;
  signingKeys: SigningKeys;
  clientAuthenticator: ClientAuthenticator;
  /** The root (admin) client: it may introspect any token, as it may call every API. */
  root: RootClientCredentials;
  codes: AuthorizationCodeStore;
  grants: GrantStore;
  refreshTokens: RefreshTokenStore;
  accessTokens: AccessTokenLedger;
  users: UserRepository;
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

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
