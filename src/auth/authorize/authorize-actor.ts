import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { userActor } from '../sessions/sign-in.ts';
import type { AuthorizeInput, AuthorizeState } from './authorize-step.ts';

/** Who an authorization request's events name: the signed-in user, the app, the browser's address (and the grant, once made). */
export function authorizeActor(input: AuthorizeInput, state: Readonly<AuthorizeState>, grantId?: string): AuditActor {
  return {
    ...(state.session ? userActor(state.session.user) : {}),
    ...(state.client ? { clientId: state.client.id } : {}),
    ...(grantId !== undefined ? { grantId } : {}),
    ...(input.address !== undefined ? { address: input.address } : {}),
  };
}
