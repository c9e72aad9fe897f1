import type { AccessGrant } from '../access/access-grant.ts';
import { checkRelatedPatient, confinePatientUser, type RelatedPatientLookup } from '../access/patient-user.ts';
import type { AccessTokenClaims } from '../grants/grant.ts';
import { isRootClient, type RootClientCredentials } from '../root-client.ts';
import { parseScopes } from '../scopes/parse-scopes.ts';
import type { Scope } from '../scopes/scope.ts';
import { createTtlCache } from '../../shared/ttl-cache.ts';
import type { PresentedCredentials } from './authorization-header.ts';
import { verifyAccessToken, type AccessTokenVerifierDeps } from '../tokens/verify-access-token.ts';

/** Who is calling the FHIR API, once authenticated. */
export type FhirPrincipal =
  /** The root (admin) client: every API, the FHIR API included, with full access. */
  | { kind: 'root' }
  | { kind: 'token'; claims: AccessTokenClaims; grant: AccessGrant };

export type FhirAuthentication =
  | { ok: true; principal: FhirPrincipal }
  /**
   * RFC 6750 §3: `error` is absent when no credentials were sent at all; `invalid_request` for a
   * malformed request, `invalid_token` for a token that fails verification.
   */
  | { ok: false; error?: 'invalid_request' | 'invalid_token'; description: string };

export interface FhirAuthenticatorDeps extends AccessTokenVerifierDeps {
  root: RootClientCredentials;
  /** The patient of a RelatedPerson user's token is checked against it; absent: such tokens reach no patient data. */
  relatedPatient?: RelatedPatientLookup;
}

/** Authenticates what an Authorization header presents (presentedCredentials). */
export type FhirAuthenticator = (presented: PresentedCredentials) => Promise<FhirAuthentication>;

/** Authenticates a FHIR API request from its Authorization header: a bearer access token, or the root client's Basic credentials. */
export function createFhirAuthenticator(deps: FhirAuthenticatorDeps): FhirAuthenticator {
  const scopesOf = scopeStringParser();
  return async (presented) => {
    switch (presented.kind) {
      case 'none':
        return { ok: false, description: 'this FHIR server needs an access token (Authorization: Bearer)' };
      case 'malformed':
        return { ok: false, error: 'invalid_request', description: presented.problem };
      case 'basic':
        return isRootClient(presented.header, deps.root)
          ? { ok: true, principal: { kind: 'root' } }
          : { ok: false, error: 'invalid_token', description: 'Basic credentials are accepted for the root client only; send a Bearer token' };
      case 'bearer': {
        const result = await verifyAccessToken(presented.token, deps);
        if (!result.valid) return { ok: false, error: 'invalid_token', description: result.reason };
        const { claims } = result;
        const claimed: AccessGrant = {
          scopes: scopesOf(claims.scope),
          clientId: claims.client_id,
          // client_credentials tokens have the client as `sub` and no user.
          ...(claims.sub !== claims.client_id ? { userId: claims.sub } : {}),
          ...(claims.patient !== undefined ? { patient: claims.patient } : {}),
          ...(claims.fhirUser !== undefined ? { fhirUser: claims.fhirUser } : {}),
        };
        // A patient user's token acts on their own patient's compartment only, however it was issued.
        const grant = confinePatientUser(await checkRelatedPatient(claimed, deps.relatedPatient));
        return { ok: true, principal: { kind: 'token', claims, grant } };
      }
    }
  };
}

/** The scope strings of live tokens, parsed once each: a token repeats its grant's scope on every request. */
const PARSED_SCOPE_STRINGS = 4096;

function scopeStringParser(): (text: string) => readonly Scope[] {
  const parsed = createTtlCache<string, readonly Scope[]>(PARSED_SCOPE_STRINGS);
  return (text) => {
    let scopes = parsed.get(text, 0);
    if (!scopes) {
      // Shared by every request carrying the string: frozen, so no caller can change another's grant.
      scopes = Object.freeze(parseScopes(text).map((scope) => Object.freeze(scope)));
      parsed.set(text, scopes, Infinity);
    }
    return scopes;
  };
}
