import { DEFAULT_TENANT } from '../../endpoints.ts';
import type { SimulatedError } from '../launch/simulated-error.ts';

/**
 * The contract between the authorize endpoint (which creates grants and codes), the token
 * endpoint (which redeems codes and refresh tokens into tokens) and the FHIR API (which checks
 * access tokens). SMART App Launch 2.2 §"App Launch", RFC 6749 §4.1, RFC 7636.
 */

/** What a user (or an EHR launch, or a backend client) granted one client. Every token of one authorization shares its id. */
export interface Grant {
  /** Grant id: revoking it (or detecting a reused code or refresh token) revokes every token it produced. */
  id: string;
  clientId: string;
  /** The signed-in User's id; absent for client_credentials. */
  userId?: string;
  /** `Practitioner/123`, `Patient/abc`… relative; made absolute against the FHIR base in id_tokens. */
  fhirUser?: string;
  /** The granted scopes, space-separated, in the syntax the client asked for (v1 stays v1, v2 stays v2). */
  scope: string;
  /** Launch context (SMART 2.2 §"Launch context"). */
  patient?: string;
  encounter?: string;
  fhirContext?: { reference?: string; canonical?: string; identifier?: unknown; type?: string; role?: string }[];
  /** Absent: true while a patient is in context. */
  needPatientBanner?: boolean;
  /** A style document other than the server's own (absent: the server's, see TokenDeps.smartStyleUrl). */
  smartStyleUrl?: string;
  /** OIDC: when the user authenticated (epoch seconds), the authorize request's nonce. */
  authTime?: number;
  nonce?: string;
  /** The login session the grant came from (online_access refresh tokens end with it). */
  sessionId?: string;
  /**
   * The tenant whose issuer made it: only that issuer's token endpoint redeems its code and refresh tokens, only
   * its introspection and revocation know them. Absent (grants made before tenants): the default tenant.
   */
  tenant?: string;
  /**
   * Set on grants the sandbox's debug token endpoint minted (never anywhere else): the pages mark them, and its
   * introspection shows the refresh token minted with them, as the S4S debug endpoint does. Sandbox data only.
   */
  debugMinted?: { refreshToken?: string };
  /**
   * The error an EHR launch asked the sandbox to simulate (src/auth/launch/simulated-error.ts), for the token
   * endpoint and the FHIR API to produce for this grant's tokens (tokens/simulated-token-errors.ts). Sandbox only.
   */
  simulatedError?: SimulatedError;
}

/** The tenant a grant was made at. */
export function grantTenant(grant: Pick<Grant, 'tenant'>): string {
  return grant.tenant ?? DEFAULT_TENANT;
}

/** An issued, not yet redeemed authorization code. Stored by its SHA-256 hash only; single use. */
export interface AuthorizationCodeRecord {
  grant: Grant;
  /** The redirect_uri of the authorize request: the token request must repeat it exactly (RFC 6749 §4.1.3). */
  redirectUri: string;
  /** RFC 7636: S256 only. Absent only for confidential clients not configured for PKCE. */
  codeChallenge?: string;
  /** Epoch seconds; codes live at most 60 s. */
  expiresAt: number;
}

export interface AuthorizationCodeStore {
  /** Saves a code (by hash). */
  create(codeHash: string, record: AuthorizationCodeRecord): Promise<void>;
  /**
   * Marks the code used and returns it, atomically: under concurrent redemption exactly one caller
   * gets the record. A second redemption returns `{ reused: true, grantId }` so the caller can revoke
   * what the first produced (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
   */
  consume(codeHash: string, now: number): Promise<{ record: AuthorizationCodeRecord } | { reused: true; grantId: string } | undefined>;
}

/**
 * Claims of our access tokens (JWT, signed with the active access-token key, `kid` in the header).
 * `aud` is the FHIR base URL; `sub` the User id (or the client id for client_credentials).
 */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  /** The grant id, for revocation checks. */
  grant: string;
  jti: string;
  iat: number;
  exp: number;
  patient?: string;
  encounter?: string;
  fhirUser?: string;
}

/**
 * Whether a grant still stands — not revoked, its Client and User (if any) neither deactivated nor deleted since it
 * was made: the FHIR API asks on every request (revocation and deactivation take effect at once).
 */
export interface GrantStatus {
  isActive(grantId: string): Promise<boolean>;
}
