import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import type { AuditEvent } from '../../fhir/audit/audit-trail.ts';
import { clientAuthFailed, credentialReused, tokenRefused } from '../audit/security-events.ts';
import { claimedClientId } from '../client-auth/claimed-client.ts';
import type { StoredClient } from '../clients/client-repository.ts';
import type { Grant } from '../grants/grant.ts';
import { OAuthError } from '../oauth-error.ts';
import { CredentialReuse } from './credential-reuse.ts';
import type { TokenDeps } from './token-deps.ts';
import type { TokenRequest } from './token-endpoint.ts';

/** What a token-side request learnt before it was refused: the client, once it authenticated. */
export interface RequestNotes {
  client?: StoredClient;
}

/**
 * Runs one token, introspection or revocation request and records its one event before the answer goes out: the
 * flow's own on success, else the refusal's (an OAuthError; the database failing records nothing, since the trail
 * is on the same database, and answers its 503). When the event cannot be recorded the request fails with the
 * trail's StorageFault (503 `temporarily_unavailable`) and its answer, tokens included, is never sent.
 */
export async function recordedRequest<T>(
  request: TokenRequest,
  deps: TokenDeps,
  run: (notes: RequestNotes) => Promise<{ answer: T; event: AuditEvent }>,
): Promise<T> {
  const notes: RequestNotes = {};
  let outcome: { answer: T; event: AuditEvent };
  try {
    outcome = await run(notes);
  } catch (error) {
    if (error instanceof OAuthError) await deps.audit.record(refusalEvent(error, request, deps, notes.client));
    throw error;
  }
  await deps.audit.record(outcome.event);
  return outcome.answer;
}

/** The request's address as an actor part. */
export const addressOf = (request: TokenRequest): AuditActor => (request.address !== undefined ? { address: request.address } : {});

/** A grant's client, user and id: who a token event is about. */
export const grantActor = (grant: Grant, request: TokenRequest): AuditActor => ({
  clientId: grant.clientId,
  ...(grant.userId !== undefined ? { userId: grant.userId } : {}),
  ...(grant.fhirUser !== undefined ? { fhirUser: grant.fhirUser } : {}),
  grantId: grant.id,
  ...addressOf(request),
});

/** A refusal as its event: a reused credential, a client that failed to authenticate, or another refused request. */
function refusalEvent(error: OAuthError, request: TokenRequest, deps: TokenDeps, client: StoredClient | undefined): AuditEvent {
  const site = deps.audit.site;
  const actor: AuditActor = { ...(client ? { clientId: client.id } : {}), ...addressOf(request) };
  if (error instanceof CredentialReuse) return credentialReused(site, { ...actor, grantId: error.grantId }, error.reused, error.description);
  // A client that failed to authenticate is no agent, even when its assertion verified before its jti was found
  // spent (a replay is exactly someone else sending it): the client it claimed is named as an entity.
  if (error.error === 'invalid_client') return clientAuthFailed(site, addressOf(request), error.description, client?.id ?? claimedClientId(request));
  return tokenRefused(site, actor, error);
}
