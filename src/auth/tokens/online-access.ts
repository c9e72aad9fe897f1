import type { Grant } from '../grants/grant.ts';
import type { TokenDeps } from './token-deps.ts';

/**
 * SMART App Launch 2.2 §"Scopes for requesting a refresh token": a refresh token without `offline_access`
 * (an `online_access` one; a refresh keeps the presented token's scope, RFC 6749 §6) works only while
 * the user's sign-in session that made the grant is live — it ends at sign-out or session expiry. A
 * grant recording no session cannot show that, so it fails closed.
 */
export async function sessionAllowsRefresh(grant: Grant, refreshScope: string, deps: Pick<TokenDeps, 'sessions'>): Promise<boolean> {
  if (refreshScope.split(' ').includes('offline_access')) return true;
  return grant.sessionId !== undefined && (await deps.sessions.isLive(grant.sessionId));
}
