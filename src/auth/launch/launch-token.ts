import { decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { SigningKeys } from '../keys/signing-keys.ts';
import { SIGNING_ALGS, type SigningAlg } from '../keys/signing-algorithms.ts';
import { fhirContextProblem, type LaunchTokenContext, type VerifiedLaunch } from './launch-context.ts';
import { LaunchError } from './launch-error.ts';
import { epochSeconds } from '../../shared/time.ts';
import { isSimulatedError, type SimulatedError } from './simulated-error.ts';

/** Typed so no other JWT of ours (access token, id_token) passes as a launch token (RFC 8725 §3.11). */
export const LAUNCH_TOKEN_TYP = 'launch+jwt';
/** RS256: every deployment keeps an active key for it (the id_token algorithm). */
const LAUNCH_TOKEN_ALG: SigningAlg = 'RS256';
/** A launch is opened right away: five minutes covers sign-in and consent without making links long-lived. */
export const DEFAULT_LAUNCH_TOKEN_LIFETIME_SECONDS = 300;

export interface LaunchTokenInput extends LaunchTokenContext {
  /** The Client id the launch is for; only that client may redeem it at /auth/authorize. */
  client: string;
  /** The User the EHR launched for; the authorize step requires the signed-in user to be that one. */
  user?: string;
  /** An error the sandbox's endpoints are to produce for this launch (simulated-error.ts); minted in sandbox mode only. */
  sim?: SimulatedError;
}

export interface LaunchTokenSignerDeps {
  signingKeys: Pick<SigningKeys, 'signingKey'>;
  /** Our issuer (BASE_URL): both `iss` and `aud`, since only this server consumes launch tokens. */
  issuer: string;
  now: () => Date;
  newId: () => string;
  lifetimeSeconds?: number;
}

export interface LaunchTokenVerifierDeps {
  signingKeys: Pick<SigningKeys, 'verificationKey'>;
  issuer: string;
  now: () => Date;
}

/** Mints the `launch` parameter of an EHR launch (SMART App Launch 2.2 §"EHR Launch"): a short-lived JWT signed with our key. */
export async function createLaunchToken(input: LaunchTokenInput, deps: LaunchTokenSignerDeps): Promise<string> {
  const ctx: LaunchTokenContext = {
    ...(input.patient !== undefined ? { patient: input.patient } : {}),
    ...(input.encounter !== undefined ? { encounter: input.encounter } : {}),
    ...(input.fhirContext !== undefined ? { fhirContext: input.fhirContext } : {}),
  };
  const iat = epochSeconds(deps.now());
  const key = await deps.signingKeys.signingKey(LAUNCH_TOKEN_ALG);
  return new SignJWT({ client: input.client, ...(input.user !== undefined ? { user: input.user } : {}), ctx, ...(input.sim !== undefined ? { sim: input.sim } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: LAUNCH_TOKEN_TYP })
    .setIssuer(deps.issuer)
    .setAudience(deps.issuer)
    .setJti(deps.newId())
    .setIssuedAt(iat)
    .setExpirationTime(iat + (deps.lifetimeSeconds ?? DEFAULT_LAUNCH_TOKEN_LIFETIME_SECONDS))
    .sign(key.key);
}

/**
 * Checks a `launch` parameter for the client that presents it: our signature by `kid`, typed
 * `launch+jwt`, issued by and for us, unexpired, minted for this very client. Throws LaunchError.
 */
export async function verifyLaunchToken(token: string, clientId: string, deps: LaunchTokenVerifierDeps): Promise<VerifiedLaunch> {
  let kid: unknown;
  let alg: unknown;
  try {
    ({ kid, alg } = decodeProtectedHeader(token));
  } catch {
    throw new LaunchError('the launch token is not a well-formed JWT');
  }
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) throw new LaunchError('the launch token is not signed with an accepted algorithm');
  if (typeof kid !== 'string') throw new LaunchError('the launch token names no signing key (kid)');
  const key = await deps.signingKeys.verificationKey(kid);
  if (!key) throw new LaunchError('the launch token was not signed by a key of this server');
  if (key.alg !== alg) throw new LaunchError('the launch token algorithm does not match its key');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: deps.issuer,
      audience: deps.issuer,
      typ: LAUNCH_TOKEN_TYP,
      currentDate: deps.now(),
      requiredClaims: ['exp', 'iat', 'jti'],
    }));
  } catch (err) {
    throw new LaunchError(describe(err));
  }
  if (payload.client !== clientId) throw new LaunchError('the launch token was made for another application');
  if (payload.user !== undefined && (typeof payload.user !== 'string' || !payload.user)) throw new LaunchError('the launch token user claim is not a string');
  if (payload.sim !== undefined && !isSimulatedError(payload.sim)) throw new LaunchError('the launch token sim claim names no simulated error');
  return {
    ...contextOf(payload.ctx),
    ...(payload.user !== undefined ? { user: payload.user } : {}),
    ...(payload.sim !== undefined ? { sim: payload.sim } : {}),
    ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
    ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}),
  };
}

/** The `ctx` claim, checked again: we signed it, but a key shared with other token kinds must not widen what it may carry. */
function contextOf(ctx: unknown): LaunchTokenContext {
  if (ctx === undefined) return {};
  if (!ctx || typeof ctx !== 'object' || Array.isArray(ctx)) throw new LaunchError('the launch token ctx claim is not an object');
  const { patient, encounter, fhirContext } = ctx as Record<string, unknown>;
  if (patient !== undefined && typeof patient !== 'string') throw new LaunchError('the launch token ctx.patient is not a string');
  if (encounter !== undefined && typeof encounter !== 'string') throw new LaunchError('the launch token ctx.encounter is not a string');
  if (fhirContext !== undefined && fhirContextProblem(fhirContext)) throw new LaunchError('the launch token ctx.fhirContext is malformed');
  return {
    ...(patient !== undefined ? { patient } : {}),
    ...(encounter !== undefined ? { encounter } : {}),
    ...(fhirContext !== undefined ? { fhirContext: fhirContext as NonNullable<LaunchTokenContext['fhirContext']> } : {}),
  };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the launch token expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the launch token signature is invalid';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'typ') return 'the token is not a launch token (typ)';
    if (err.claim === 'aud') return 'the launch token is not meant for this server (aud)';
    if (err.claim === 'iss') return 'the launch token was not issued by this server (iss)';
    if (err.claim === 'nbf' || err.claim === 'iat') return 'the launch token is not valid yet';
    return `the launch token's ${err.claim} claim is invalid`;
  }
  return 'the launch token is invalid';
}
