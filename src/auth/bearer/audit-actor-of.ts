import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import type { FhirPrincipal } from './fhir-authenticator.ts';

/**
 * Who a FHIR API caller is to the audit trail: the root client, or a token's user (its `sub` unless the token is the
 * client's own, client_credentials), fhirUser, client and grant — never the token itself.
 */
export function auditActorOf(principal: FhirPrincipal | undefined, request: { address?: string; requestId?: string }): AuditActor {
  const where = { ...(request.address ? { address: request.address } : {}), ...(request.requestId ? { requestId: request.requestId } : {}) };
  if (!principal) return where;
  if (principal.kind === 'root') return { root: true, ...where };
  const { claims } = principal;
  return {
    clientId: claims.client_id,
    ...(claims.sub !== claims.client_id ? { userId: claims.sub } : {}),
    ...(claims.fhirUser ? { fhirUser: relative(claims.fhirUser) } : {}),
    grantId: claims.grant,
    ...where,
  };
}

/** `https://…/fhir/Practitioner/1` → `Practitioner/1`: the event names the resource, not the server it is on. */
function relative(fhirUser: string): string {
  const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(fhirUser);
  return m?.[1] ?? fhirUser;
}
