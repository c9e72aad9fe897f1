import { bearerToken } from '../registration/bearer-token.ts';
import { invalidClient } from '../client-auth/oauth-error.ts';
import { absoluteFhirUser } from './id-token.ts';
import type { TokenDeps } from './token-deps.ts';
import { invalidToken } from './token-error.ts';
import { activeAccessToken, findActiveToken } from './token-lookup.ts';
import type { TokenRequest } from './token-endpoint.ts';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const CLIENT_CREDENTIAL_FIELDS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'];

/**
 * Who may introspect (RFC 7662 §2.1 leaves it to us): a resource server presenting a valid access
 * token of ours, or any registered client authenticating as at the token endpoint.
 */
async function authenticateCaller(request: TokenRequest, deps: TokenDeps): Promise<void> {
  const auth = request.authorization?.trim() ?? '';
  if (/^bearer(\s|$)/i.test(auth)) {
    const token = bearerToken(auth);
    if (token === undefined || !(await activeAccessToken(token, deps))) {
      throw invalidToken('the bearer token is invalid, expired or revoked');
    }
    return;
  }
  if (auth === '' && !CLIENT_CREDENTIAL_FIELDS.some((f) => request.form[f] !== undefined)) {
    throw invalidClient('introspection requires client authentication or a bearer token');
  }
  await deps.clientAuthenticator.authenticate({ ...(request.authorization !== undefined ? { authorization: request.authorization } : {}), form: request.form });
}

/** POST /auth/introspect (RFC 7662 §2.2): anything not active is exactly `{"active": false}` (Inferno checks that). */
export async function introspect(request: TokenRequest, deps: TokenDeps): Promise<IntrospectionResponse> {
  await authenticateCaller(request, deps);
  const token = request.form.token;
  if (token === undefined || token === '') return { active: false };
  const found = await findActiveToken(token, request.form.token_type_hint, deps);
  if (!found) return { active: false };

  if (found.kind === 'access_token') {
    const c = found.claims;
    const fhirUser = absoluteFhirUser(c, deps.fhirBaseUrl);
    return {
      active: true,
      scope: c.scope,
      client_id: c.client_id,
      token_type: 'Bearer',
      exp: c.exp,
      iat: c.iat,
      sub: c.sub,
      aud: c.aud,
      iss: c.iss,
      jti: c.jti,
      ...(c.patient !== undefined ? { patient: c.patient } : {}),
      ...(c.encounter !== undefined ? { encounter: c.encounter } : {}),
      ...(fhirUser !== undefined ? { fhirUser } : {}),
    };
  }
  const { grant } = found;
  const fhirUser = absoluteFhirUser(grant, deps.fhirBaseUrl);
  return {
    active: true,
    scope: found.scope,
    client_id: grant.clientId,
    token_type: 'refresh_token',
    exp: found.expiresAt,
    iat: found.issuedAt,
    sub: grant.userId ?? grant.clientId,
    iss: deps.issuer,
    ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
    ...(grant.encounter !== undefined ? { encounter: grant.encounter } : {}),
    ...(fhirUser !== undefined ? { fhirUser } : {}),
  };
}
