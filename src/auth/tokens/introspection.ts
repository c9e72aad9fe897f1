import type { StoredClient } from '../clients/client-repository.ts';
import { invalidClient } from '../oauth-error.ts';
import { isRootClient } from '../root-client.ts';
import { presentsClientCredentials } from '../client-auth/presents-credentials.ts';
import { absoluteFhirUser } from './id-token.ts';
import type { TokenDeps } from './token-deps.ts';
import { findActiveToken, type ActiveToken } from './token-lookup.ts';
import type { TokenRequest } from './token-endpoint.ts';
import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { tokenIntrospected } from '../audit/security-events.ts';
import { addressOf, recordedRequest } from './recorded-request.ts';
import { introspectionRequestSchema, parseTokenRequest } from './token-request-schemas.ts';

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

/** Who is asking, and so which tokens they may see. */
export type Introspector = { kind: 'root' } | { kind: 'resource-server'; client?: StoredClient } | { kind: 'client'; client: StoredClient };

/**
 * Who may introspect (RFC 7662 §2.1 "the endpoint MUST also require some form of authorization", §4
 * against token scanning): the root admin client (HTTP Basic, as on every API) and Clients marked
 * `resource_server`, any token; any other confidential client, authenticated as at the token endpoint,
 * only its own tokens. A public client proves nothing about itself, and a bearer token is no client
 * credential: both are 401 `invalid_client`.
 */
async function authenticateIntrospector(request: TokenRequest, deps: TokenDeps): Promise<Introspector> {
  const auth = request.authorization?.trim() ?? '';
  if (/^bearer(\s|$)/i.test(auth)) {
    // RFC 6749 §5.2: a 401 to a request that used the Authorization header names the scheme to use.
    throw invalidClient('introspection needs client authentication (HTTP Basic, client_secret_post or a client assertion); bearer tokens are not accepted', { basic: true });
  }
  if (isRootClient(request.authorization, deps.root)) return { kind: 'root' };
  if (!presentsClientCredentials(request)) {
    throw invalidClient('introspection requires client authentication');
  }
  const { client, method } = await deps.clientAuthenticator.authenticate({
    ...(request.authorization !== undefined ? { authorization: request.authorization } : {}),
    form: request.form,
  });
  if (method === 'none') throw invalidClient('a public client may not introspect tokens; authenticate as a confidential client');
  return client.resource_server === true ? { kind: 'resource-server', client } : { kind: 'client', client };
}

/** A client that is neither root nor a resource server sees its own tokens only; others read as inactive. */
function maySee(introspector: Introspector, token: ActiveToken): boolean {
  if (introspector.kind !== 'client') return true;
  const owner = token.kind === 'access_token' ? token.claims.client_id : token.grant.clientId;
  return owner === introspector.client.id;
}

/**
 * POST /auth/introspect (RFC 7662 §2.2): anything not active is exactly `{"active": false}` (Inferno checks that).
 * Recorded before the answer: who asked, whether the token was active and, when it was, its grant by id.
 */
export async function introspect(request: TokenRequest, deps: TokenDeps): Promise<IntrospectionResponse> {
  return recordedRequest(request, deps, async (notes) => {
    const introspector = await authenticateIntrospector(request, deps);
    if (introspector.kind !== 'root' && introspector.client) notes.client = introspector.client;
    const { token, token_type_hint: hint } = parseTokenRequest(introspectionRequestSchema, request.form);
    const { answer, grantId } = await introspection(introspector, token, hint, deps);
    const actor: AuditActor = {
      ...(introspector.kind === 'root' ? { root: true } : introspector.client ? { clientId: introspector.client.id } : {}),
      ...(grantId !== undefined ? { grantId } : {}),
      ...addressOf(request),
    };
    return { answer, event: tokenIntrospected(deps.audit.site, actor, answer.active) };
  });
}

/** What introspection answers this (already authenticated) introspector of `token`: the endpoint's answer, and the token inspector's. */
export async function introspectAs(introspector: Introspector, token: string | undefined, hint: string | undefined, deps: TokenDeps): Promise<IntrospectionResponse> {
  return (await introspection(introspector, token, hint, deps)).answer;
}

/** The answer, and the grant of the token when it is active and the introspector's to see. */
async function introspection(introspector: Introspector, token: string | undefined, hint: string | undefined, deps: TokenDeps): Promise<{ answer: IntrospectionResponse; grantId?: string }> {
  if (token === undefined || token === '') return { answer: { active: false } };
  const found = await findActiveToken(token, hint, deps);
  if (!found || !maySee(introspector, found)) return { answer: { active: false } };
  return { answer: activeAnswer(found, deps), grantId: found.kind === 'access_token' ? found.claims.grant : found.grant.id };
}

function activeAnswer(found: ActiveToken, deps: TokenDeps): IntrospectionResponse {
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
