import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWTPayload } from 'jose';
import { JWT_BEARER_ASSERTION } from '../../clients/client-kind.ts';
import type { StoredClient } from '../../clients/client-repository.ts';
import { ASSERTION_ALGS, chooseAssertionKey, type AssertionAlg } from '../assertion-key.ts';
import type { ClientAuthDeps, ClientAuthMethod, PendingJti } from '../client-auth-method.ts';
import { findActiveClient } from '../client-lookup.ts';
import { JwksFetchError, type JwksAnswer } from '../jwks/jwks-source.ts';
import { invalidClient, invalidRequest } from '../../oauth-error.ts';
import { epochSeconds } from '../../../shared/time.ts';

/**
 * Leeway for clocks that disagree, seconds: applied only where it cannot lengthen an assertion's life
 * beyond what the client asked for — an `exp` just past, an `nbf`/`iat` just ahead (jose's
 * clockTolerance). It is never added to the five-minute ceiling below.
 */
export const ASSERTION_CLOCK_SKEW_SECONDS = 60;
/**
 * SMART Backend Services (client-confidential-asymmetric, "exp ... SHALL be no more than five minutes in
 * the future"): `exp` ≤ now + 300, with no skew on top. A client stamping `exp = now + 300` by a clock a
 * second ahead of ours is refused; the description says so, and an `exp` of now + 240 to 290 avoids it.
 */
export const ASSERTION_MAX_LIFETIME_SECONDS = 300;
const MAX_ASSERTION_LENGTH = 16 * 1024;
const MAX_JTI_LENGTH = 256;

/**
 * `private_key_jwt` (RFC 7523 §2.2 and §3, SMART Backend Services): a JWT signed with a key the client
 * registered (`jwks` inline or at `jwks_uri`). Every failure is 401 `invalid_client`, an expired or
 * replayed assertion included (RFC 7523 §3.1 allows invalid_client for client authentication).
 */
export const privateKeyJwtMethod: ClientAuthMethod = {
  method: 'private_key_jwt',
  presentedIn: (request) => request.form.client_assertion !== undefined || request.form.client_assertion_type !== undefined,
  async authenticate(request, deps, options) {
    const { client_assertion: assertion, client_assertion_type: type } = request.form;
    if (type !== JWT_BEARER_ASSERTION) throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (assertion === undefined || assertion === '') throw invalidRequest('client_assertion is required');
    if (assertion.length > MAX_ASSERTION_LENGTH) throw invalidClient('client_assertion is too large');

    const { header, claims } = decodeUnverified(assertion);
    const alg = header.alg;
    if (typeof alg !== 'string' || !(ASSERTION_ALGS as readonly string[]).includes(alg)) {
      throw invalidClient(`client_assertion alg must be one of ${ASSERTION_ALGS.join(', ')}`);
    }
    if (typeof header.kid !== 'string' || header.kid === '') throw invalidClient('client_assertion header has no kid');
    // RFC 8725 §3.10: keys come only from the client's registration, never from the token itself.
    for (const embedded of ['jwk', 'x5c', 'x5u'] as const) {
      if (header[embedded] !== undefined) throw invalidClient(`client_assertion header ${embedded} is not accepted; keys come from the client registration`);
    }

    const clientId = claims.iss;
    if (typeof clientId !== 'string' || clientId === '') throw invalidClient('client_assertion has no iss');
    if (claims.sub !== clientId) throw invalidClient('client_assertion sub must equal iss (the client_id)');
    const formId = request.form.client_id;
    if (formId !== undefined && formId !== clientId) throw invalidClient('client_id does not match the client_assertion iss');
    const client = await findActiveClient(deps.clients, clientId);
    if (!client) throw invalidClient('client_assertion iss is not an active client');
    if (header.jku !== undefined && header.jku !== client.jwks_uri) throw invalidClient("client_assertion jku is not the client's registered jwks_uri");
    if (!client.jwks && !client.jwks_uri) throw invalidClient('this client has no registered keys (jwks or jwks_uri)');

    const payload = await verifySignature(assertion, client, header.kid, alg as AssertionAlg, deps);
    const jti = checkClaims(payload, client.id, deps);
    if (options?.deferJti) return { client, method: 'private_key_jwt', pendingJti: { ...jti, recorded: false } };
    if (!(await deps.jtis.consume(jti.clientId, jti.jti, jti.rememberUntil, deps.now()))) throw replayedAssertion();
    return { client, method: 'private_key_jwt' };
  },
};

function decodeUnverified(assertion: string) {
  try {
    return { header: decodeProtectedHeader(assertion), claims: decodeJwt(assertion) };
  } catch {
    throw invalidClient('client_assertion is not a well-formed signed JWT');
  }
}

async function keySet(client: StoredClient, deps: ClientAuthDeps, refresh: boolean): Promise<JwksAnswer> {
  if (client.jwks) return { jwks: { keys: Array.isArray(client.jwks.keys) ? client.jwks.keys : [] }, fetched: false };
  try {
    return await deps.jwks.get(client.jwks_uri as string, { refresh });
  } catch (error) {
    throw invalidClient(error instanceof JwksFetchError ? error.message : 'jwks_uri could not be fetched');
  }
}

async function verifySignature(assertion: string, client: StoredClient, kid: string, alg: AssertionAlg, deps: ClientAuthDeps): Promise<JWTPayload> {
  const first = await keySet(client, deps, false);
  let choice = chooseAssertionKey(first.jwks, kid, alg);
  // An unknown kid may be a rotation the cache has not seen yet: look once more (SMART Backend Services),
  // unless the set was just fetched for this request (a no-store jwks_uri): at most one fetch per request.
  if ('problem' in choice && choice.problem === 'unknown-kid' && !client.jwks && !first.fetched) {
    choice = chooseAssertionKey((await keySet(client, deps, true)).jwks, kid, alg);
  }
  if ('problem' in choice) {
    throw invalidClient(
      choice.problem === 'unknown-kid'
        ? `no registered ${alg} signing key has the assertion's kid`
        : "several registered keys have the assertion's kid; kids must be unique",
    );
  }
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...publicPart } = choice.key;
    key = deps.keys ? await deps.keys.import({ ...publicPart, alg }, alg) : await importJWK({ ...publicPart, alg }, alg);
  } catch {
    throw invalidClient("the registered key for the assertion's kid is not a usable key");
  }
  try {
    const { payload } = await jwtVerify(assertion, key, {
      algorithms: [alg],
      currentDate: deps.now(),
      clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS,
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw invalidClient('client_assertion has expired');
    if (error instanceof errors.JWTClaimValidationFailed) throw invalidClient(`client_assertion ${error.claim} is not acceptable (${error.reason})`);
    throw invalidClient('client_assertion signature does not verify');
  }
}

/** RFC 7523 §3 item 7: the assertion's jti was recorded before (a replay). */
export const replayedAssertion = () => invalidClient('client_assertion jti has already been used');

/** The claims' checks; answers the jti to record, and until when. */
function checkClaims(payload: JWTPayload, clientId: string, deps: ClientAuthDeps): Omit<PendingJti, 'recorded'> {
  const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud === undefined ? [] : [payload.aud];
  if (!audiences.some((a) => deps.audiences.includes(a))) {
    // Said in full: a client signing for the wrong server (or tenant) sees at once which URL this one is.
    // What was sent is not echoed: an error_description holds only RFC 6749 §5.2's characters.
    throw invalidClient(`client_assertion aud must be the token endpoint URL, ${deps.audiences[0] ?? 'of this server'}`);
  }
  const nowSeconds = epochSeconds(deps.now());
  if (typeof payload.exp !== 'number') throw invalidClient('client_assertion has no exp');
  if (payload.exp > nowSeconds + ASSERTION_MAX_LIFETIME_SECONDS) {
    throw invalidClient('client_assertion exp is more than 5 minutes in the future (SMART Backend Services)');
  }
  // RFC 7523 §3 item 6: an iat, when present, may be refused when too far in the future (jose checks it only with maxTokenAge).
  if (payload.iat !== undefined && payload.iat > nowSeconds + ASSERTION_CLOCK_SKEW_SECONDS) {
    throw invalidClient('client_assertion iat is in the future');
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti === '') throw invalidClient('client_assertion has no jti');
  if (jti.length > MAX_JTI_LENGTH) throw invalidClient('client_assertion jti is too long');
  // Remember the jti as long as the assertion could still be accepted (exp plus the skew).
  return { clientId, jti, rememberUntil: new Date((payload.exp + ASSERTION_CLOCK_SKEW_SECONDS) * 1000) };
}
