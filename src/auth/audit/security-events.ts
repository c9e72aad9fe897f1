import { actorAgents, actorEntities, serverSource, type AuditActor } from '../../fhir/audit/audit-actor.ts';
import { CLIENT_ID_SYSTEM, DICOM_SUBTYPE, ENTITY, EVENT_TYPE, IDENTITY_PROVIDER_ID_SYSTEM, porticoSubtype } from '../../fhir/audit/audit-codes.ts';
import type { AuditEvent, AuditEventEntity, Coding } from '../../fhir/audit/audit-trail.ts';

/**
 * The authorization server's security events, one builder per kind, each an R4 AuditEvent (DICOM's User
 * Authentication and Security Alert types, Portico's own subtypes). They name grants, clients and users by id; a
 * token, code, secret, password or client assertion never goes into one: builders take none.
 */

/** Portico's subtypes of the authorization server's events (PORTICO_AUDIT_SUBTYPE). */
export const SECURITY_SUBTYPE = {
  signIn: porticoSubtype('sign-in', 'Sign-in'),
  signInFailed: porticoSubtype('sign-in-failed', 'Sign-in failed'),
  lockout: porticoSubtype('lockout', 'Sign-in refused: too many attempts'),
  signOut: porticoSubtype('sign-out', 'Sign-out'),
  consentGranted: porticoSubtype('consent-granted', 'Consent granted'),
  consentDenied: porticoSubtype('consent-denied', 'Consent denied'),
  codeIssued: porticoSubtype('code-issued', 'Authorization code issued'),
  tokenIssued: porticoSubtype('token-issued', 'Token issued'),
  tokenRefreshed: porticoSubtype('token-refreshed', 'Token refreshed'),
  tokenRevoked: porticoSubtype('token-revoked', 'Token revoked'),
  tokenIntrospected: porticoSubtype('token-introspected', 'Token introspected'),
  codeReuse: porticoSubtype('code-reuse', 'Authorization code reuse detected'),
  refreshReuse: porticoSubtype('refresh-reuse', 'Refresh token reuse detected'),
  tokenRefused: porticoSubtype('token-refused', 'Token request refused'),
  clientAuthFailed: porticoSubtype('client-auth-failed', 'Client authentication failed'),
} as const;

/** Why a sign-in failed, as the administrator may read it (the page tells the user none of this). */
export type SignInFailure = 'unknown user' | 'wrong password' | 'inactive user' | 'no password set';

export interface EventParts {
  type: Coding;
  subtype: Coding[];
  outcome: NonNullable<AuditEvent['outcome']>;
  outcomeDesc?: string;
  actor: AuditActor;
  /** Named on the grant's entity (or the client's, before a grant exists): the scope granted, the grant type. */
  details?: { type: string; valueString: string }[];
  entities?: AuditEventEntity[];
}

export function securityEvent(site: string, parts: EventParts): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: parts.type,
    subtype: parts.subtype,
    action: 'E',
    outcome: parts.outcome,
    ...(parts.outcomeDesc !== undefined ? { outcomeDesc: parts.outcomeDesc } : {}),
    agent: actorAgents(parts.actor),
    source: serverSource(site),
    ...entitiesOf(parts),
  };
}

function entitiesOf(parts: EventParts): { entity?: AuditEventEntity[] } {
  const entities = actorEntities(parts.actor);
  const details = parts.details?.length ? parts.details : undefined;
  if (details) {
    const grant = entities.find((e) => e.name === 'grant');
    if (grant) grant.detail = details;
    else if (parts.actor.clientId !== undefined) entities.unshift({ ...clientEntity(parts.actor.clientId), detail: details });
  }
  entities.push(...(parts.entities ?? []));
  return entities.length > 0 ? { entity: entities } : {};
}

/** A client by its client_id, as an entity (what a consent or a failed authentication is about). */
function clientEntity(clientId: string, description?: string): AuditEventEntity {
  return { what: { identifier: { system: CLIENT_ID_SYSTEM, value: clientId } }, ...ENTITY.securityResource, name: 'client', ...(description ? { description } : {}) };
}

const scopeDetail = (scope: string) => ({ type: 'scope', valueString: scope });
const success = '0';
const refused = '4';
/** RFC 9700 §4.14.2, RFC 6749 §4.1.2: a spent credential presented again, the whole grant revoked. */
const serious = '8';

const login = (code: Coding) => ({ type: EVENT_TYPE.userAuthentication, subtype: [DICOM_SUBTYPE.login, code] });
const alert = (code: Coding) => ({ type: EVENT_TYPE.securityAlert, subtype: [code] });

/** A user signed in with their password (the pages; the sandbox launcher signs its users in the same way). */
export const signedIn = (site: string, actor: AuditActor): AuditEvent => securityEvent(site, { ...login(SECURITY_SUBTYPE.signIn), outcome: success, actor });

/**
 * A sign-in refused. The User is named when there is one (a wrong password, an inactive user); an unknown email is
 * not recorded at all: what someone typed there may be anything, a password included.
 */
export const signInFailed = (site: string, actor: AuditActor, reason: SignInFailure): AuditEvent =>
  securityEvent(site, { ...login(SECURITY_SUBTYPE.signInFailed), outcome: refused, outcomeDesc: reason, actor });

/** An identity provider by its id, as the entity a federated sign-in went through (its issuer as the description). */
function providerEntity(providerId: string, issuer: string | undefined): AuditEventEntity {
  return { what: { identifier: { system: IDENTITY_PROVIDER_ID_SYSTEM, value: providerId } }, ...ENTITY.securityResource, name: 'identity-provider', ...(issuer ? { description: issuer } : {}) };
}

/** A user signed in through one of the tenant's identity providers (its id_token verified). */
export const federatedSignIn = (site: string, actor: AuditActor, provider: { id: string; issuer: string }): AuditEvent =>
  securityEvent(site, { ...login(SECURITY_SUBTYPE.signIn), outcome: success, actor, entities: [providerEntity(provider.id, provider.issuer)] });

/**
 * A sign-in through an identity provider refused: the upstream's error, an answer that did not verify (state, iss,
 * id_token), no account for it, and the like. The reason names checks and claims, never a code or token.
 */
export const federatedSignInFailed = (site: string, actor: AuditActor, provider: { id: string; issuer?: string }, reason: string): AuditEvent =>
  securityEvent(site, { ...login(SECURITY_SUBTYPE.signInFailed), outcome: refused, outcomeDesc: reason.slice(0, 1000), actor, entities: [providerEntity(provider.id, provider.issuer)] });

/** The sign-in throttle refused an attempt before any password was checked (too many for the account or the address). */
export const lockedOut = (site: string, actor: AuditActor, retryAfterSeconds: number): AuditEvent =>
  securityEvent(site, {
    ...login(SECURITY_SUBTYPE.lockout),
    outcome: refused,
    outcomeDesc: `too many sign-in attempts for this account or address; refused for ${retryAfterSeconds} s`,
    actor,
  });

/** A user signed out (their session ended). */
export const signedOut = (site: string, actor: AuditActor): AuditEvent =>
  securityEvent(site, { type: EVENT_TYPE.userAuthentication, subtype: [DICOM_SUBTYPE.logout, SECURITY_SUBTYPE.signOut], outcome: success, actor });

/** The user allowed the app the scopes they checked on the consent page. */
export const consentGranted = (site: string, actor: AuditActor, scope: string): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.consentGranted), outcome: success, actor, details: [scopeDetail(scope)] });

/** The user denied the app (Deny, or Allow with nothing checked). */
export const consentDenied = (site: string, actor: AuditActor, reason: string): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.consentDenied), outcome: refused, outcomeDesc: reason, actor });

/** An authorization code went back to the app: its grant by id (actor.grantId), never the code. */
export const codeIssued = (site: string, actor: AuditActor, scope: string): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.codeIssued), outcome: success, actor, details: [scopeDetail(scope)] });

/** Tokens went out at the token endpoint: a new grant's (authorization_code, client_credentials) or a refresh. */
export const tokensIssued = (site: string, actor: AuditActor, issued: { grantType: string; scope: string }): AuditEvent =>
  securityEvent(site, {
    ...alert(issued.grantType === 'refresh_token' ? SECURITY_SUBTYPE.tokenRefreshed : SECURITY_SUBTYPE.tokenIssued),
    outcome: success,
    actor,
    details: [scopeDetail(issued.scope), { type: 'grant_type', valueString: issued.grantType }],
  });

/** RFC 7009: a client revoked a token of its own, so its whole grant (actor.grantId); none when the token was unknown. */
export const tokenRevoked = (site: string, actor: AuditActor): AuditEvent =>
  securityEvent(site, {
    ...alert(SECURITY_SUBTYPE.tokenRevoked),
    outcome: success,
    ...(actor.grantId === undefined ? { outcomeDesc: 'unknown token: nothing to revoke (RFC 7009 §2.2)' } : {}),
    actor,
  });

/** RFC 7662: what introspection answered, and of which grant when the token was an active one. */
export const tokenIntrospected = (site: string, actor: AuditActor, active: boolean): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.tokenIntrospected), outcome: success, outcomeDesc: active ? 'active' : 'inactive', actor });

/** A spent authorization code or refresh token presented again: the grant it was exchanged for is revoked. */
export const credentialReused = (site: string, actor: AuditActor, reused: 'code' | 'refresh-token', description: string): AuditEvent =>
  securityEvent(site, { ...alert(reused === 'code' ? SECURITY_SUBTYPE.codeReuse : SECURITY_SUBTYPE.refreshReuse), outcome: serious, outcomeDesc: description, actor });

/** A token, introspection or revocation request refused with an OAuth error (the client, if it authenticated, in actor). */
export const tokenRefused = (site: string, actor: AuditActor, error: { error: string; description: string }): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.tokenRefused), outcome: refused, outcomeDesc: `${error.error}: ${error.description}`, actor });

/**
 * A client failed to authenticate (a wrong secret, a bad, expired, replayed or misaddressed assertion…). The client_id
 * it claimed is named as an entity, said to be unauthenticated; the agent is whoever was at the address.
 */
export const clientAuthFailed = (site: string, actor: AuditActor, reason: string, claimedClientId?: string): AuditEvent =>
  securityEvent(site, {
    ...alert(SECURITY_SUBTYPE.clientAuthFailed),
    outcome: refused,
    outcomeDesc: reason,
    actor,
    ...(claimedClientId !== undefined ? { entities: [clientEntity(claimedClientId, 'client_id claimed, not authenticated')] } : {}),
  });


/**
 * An administrator revoked one of a Client's grants at the console (the actor: the administrator, the grant, the
 * address): every access and refresh token of it stops working at once. The Client is named as an entity, so its
 * activity shows it.
 */
export const grantRevokedByAdministrator = (site: string, actor: AuditActor, clientId: string): AuditEvent =>
  securityEvent(site, { ...alert(SECURITY_SUBTYPE.tokenRevoked), outcome: success, outcomeDesc: 'grant revoked by an administrator', actor, entities: [clientEntity(clientId)] });
