import { createHash } from 'node:crypto';
import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';
import { federatedSignIn, federatedSignInFailed } from '../audit/security-events.ts';
import type { SessionService } from '../sessions/session-service.ts';
import { userActor } from '../sessions/sign-in.ts';
import { MappingRefusal } from './claim-mapping.ts';
import { federatedUser, type FederatedUsersDeps } from './federated-user.ts';
import type { FederationStateStore } from './federation-state.ts';
import { PROVIDER_ID, type IdentityProviderRepository, type StoredIdentityProvider } from './identity-provider.ts';
import { activeProviderAt, providersAt } from './tenant-providers.ts';
import type { UpstreamClient, UpstreamPrompt } from './upstream-client.ts';

/** A sign-in button of the sign-in page. */
export interface SignInOption {
  id: string;
  title: string;
}

export type FederationStart =
  /** Send the browser to `url`, with a cookie holding `browserToken` (what binds the callback to this browser). */
  | { kind: 'redirect'; url: string; browserToken: string }
  | FederationRefusal;

export type FederationFinish = { kind: 'signed-in'; sessionId: string; returnTo: string } | FederationRefusal;

/** What the person sees (a page, never a stack trace); the reason went to the audit trail. */
export interface FederationRefusal {
  kind: 'refused';
  status: 400 | 403 | 404 | 502;
  title: string;
  message: string;
  /** Where to try again: the sign-in page, returning to where this sign-in was going. */
  returnTo?: string;
}

export interface FederatedSignIn {
  /** The tenant's active providers, for its sign-in page. */
  options(): Promise<SignInOption[]>;
  /** Whether the sign-in page still offers email and password (the tenant's `password_login`). */
  passwordLogin(): Promise<boolean>;
  /**
   * `prompts`: what the app asked of this sign-in, passed on to the upstream. `browserToken`: the binding this browser
   * already holds (another sign-in under way in another tab), kept so that both can finish.
   */
  start(request: { providerId: string; returnTo: string; clientIp: string; prompts?: readonly UpstreamPrompt[]; browserToken?: string }): Promise<FederationStart>;
  /** `query`: what the upstream sent the browser back with (code, state, iss; or error). */
  finish(request: { providerId: string; query: URLSearchParams; browserToken: string | undefined; clientIp: string }): Promise<FederationFinish>;
}

export interface FederatedSignInDeps extends FederatedUsersDeps {
  providers: IdentityProviderRepository;
  /** The tenant's `password_login` as it is now. */
  tenantPasswordLogin: () => Promise<boolean>;
  upstream: UpstreamClient;
  pending: FederationStateStore;
  sessions: SessionService;
  securityAudit: SecurityAudit;
  /** The provider's one redirect URI (what its upstream registered). */
  redirectUri: (providerId: string) => string;
  now: () => Date;
  /** 256-bit random tokens (state, nonce, PKCE verifier, the browser binding). */
  newToken: () => string;
  /** How long a person may take at the upstream, seconds. */
  pendingLifetimeSeconds: number;
}

/** A binding token as `newToken` makes them (256 bits, base64url). */
const BROWSER_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');

/**
 * Sign-in through a tenant's identity providers (OpenID Connect Core §3.1, authorization code flow with PKCE): the
 * start keeps state, nonce and the PKCE verifier server-side under the state's hash, bound to the browser; the callback
 * takes them once (a replayed state finds nothing), checks the provider and tenant it was started for, lets the OpenID
 * client verify the answer, maps the id_token to a User, and starts a session as a password sign-in does. Every
 * refusal after the start is recorded with its reason.
 */
export function createFederatedSignIn(deps: FederatedSignInDeps): FederatedSignIn {
  const site = deps.securityAudit.site;
  const refusal = (status: FederationRefusal['status'], title: string, message: string, returnTo?: string): FederationRefusal => ({
    kind: 'refused',
    status,
    title,
    message,
    ...(returnTo !== undefined ? { returnTo } : {}),
  });
  const recordFailure = (provider: { id: string; issuer?: string }, actor: AuditActor, reason: string) =>
    deps.securityAudit.record(federatedSignInFailed(site, actor, provider, reason));

  return {
    async options() {
      return (await providersAt(deps.providers, deps.tenant)).filter((p) => p.active).map((p) => ({ id: p.id, title: p.title }));
    },

    passwordLogin: deps.tenantPasswordLogin,

    async start({ providerId, returnTo, clientIp, prompts = [], browserToken: held }) {
      const provider = await activeProviderAt(deps.providers, deps.tenant, providerId);
      if (!provider) return refusal(404, 'Sign-in unavailable', 'This organisation has no such identity provider.');
      const state = deps.newToken();
      const nonce = deps.newToken();
      const codeVerifier = deps.newToken();
      const browserToken = held !== undefined && BROWSER_TOKEN.test(held) ? held : deps.newToken();
      const redirectUri = deps.redirectUri(provider.id);
      let url: URL;
      try {
        url = await deps.upstream.authorizationUrl(provider, { state, nonce, codeVerifier, redirectUri }, prompts);
      } catch (error) {
        await recordFailure(provider, { address: clientIp }, `the sign-in could not start: ${(error as Error).message}`);
        return refusal(502, 'Sign-in unavailable', `${provider.title} cannot be reached right now. Try again later, or ask an administrator.`, returnTo);
      }
      const now = deps.now();
      await deps.pending.insert(
        { stateHash: sha256(state), browserHash: sha256(browserToken), tenant: deps.tenant, providerId: provider.id, nonce, codeVerifier, returnTo, expiresAt: new Date(now.getTime() + deps.pendingLifetimeSeconds * 1000) },
        now,
      );
      return { kind: 'redirect', url: url.href, browserToken };
    },

    async finish({ providerId, query, browserToken, clientIp }) {
      const address = { address: clientIp };
      // The path's id is anyone's text until a provider is found: recorded only when it could be an id.
      const named = { id: PROVIDER_ID.test(providerId) ? providerId : '(not an id)' };
      const state = query.get('state');
      if (!state) {
        await recordFailure(named, address, 'the callback carried no state');
        return refusal(400, 'Sign-in failed', 'The identity provider sent you back without the state of this sign-in. Start again.');
      }
      const pending = await deps.pending.take(sha256(state), deps.now());
      if (!pending) {
        await recordFailure(named, address, 'unknown, expired or already used state (a replayed callback?)');
        return refusal(400, 'Sign-in failed', 'This sign-in has expired or was already completed. Start again.');
      }
      const back = pending.returnTo;
      if (pending.providerId !== providerId || pending.tenant !== deps.tenant) {
        await recordFailure(named, address, `the state was issued for IdentityProvider/${pending.providerId} at tenant ${pending.tenant}`);
        return refusal(400, 'Sign-in failed', 'The identity provider sent you back to the wrong place. Start again.', back);
      }
      if (browserToken === undefined || sha256(browserToken) !== pending.browserHash) {
        await recordFailure(named, address, 'the callback came from another browser than the one that started the sign-in');
        return refusal(400, 'Sign-in failed', 'This sign-in was started in another browser (or your cookies were cleared). Start again.', back);
      }
      const provider = await activeProviderAt(deps.providers, deps.tenant, providerId);
      if (!provider) {
        await recordFailure(named, address, 'the identity provider was removed or deactivated during the sign-in');
        return refusal(404, 'Sign-in unavailable', 'This organisation no longer signs in with this identity provider.', back);
      }
      const upstreamError = query.get('error');
      if (upstreamError !== null) {
        const description = query.get('error_description');
        await recordFailure(provider, address, `the identity provider answered ${upstreamError}${description ? `: ${description}` : ''}`);
        return refusal(403, 'Sign-in refused', `${provider.title} did not sign you in (${upstreamError.slice(0, 64)}${description ? `: ${description.slice(0, 300)}` : ''}).`, back);
      }
      // The URL the upstream redirected to: the provider's one redirect URI with the answer's parameters.
      const redirectUri = deps.redirectUri(provider.id);
      const callbackUrl = new URL(redirectUri);
      callbackUrl.search = query.toString();
      let claims;
      try {
        claims = await deps.upstream.exchange(provider, callbackUrl, { state, nonce: pending.nonce, codeVerifier: pending.codeVerifier, redirectUri });
      } catch (error) {
        await recordFailure(provider, address, `the identity provider's answer was refused: ${(error as Error).message}`);
        return refusal(502, 'Sign-in failed', `The answer from ${provider.title} could not be verified, so you are not signed in. Try again, or ask an administrator.`, back);
      }
      let user;
      try {
        user = await federatedUser(provider, claims, clientIp, deps);
      } catch (error) {
        if (!(error instanceof MappingRefusal)) throw error;
        await recordFailure(provider, address, error.reason);
        return refusal(403, 'No access', error.userMessage, back);
      }
      return signedIn(provider, user, clientIp, back);
    },
  };

  async function signedIn(provider: StoredIdentityProvider, user: { id: string; fhirUser?: string }, clientIp: string, returnTo: string): Promise<FederationFinish> {
    const { id } = await deps.sessions.start(user.id);
    try {
      await deps.securityAudit.record(federatedSignIn(site, { ...userActor(user), address: clientIp }, provider));
    } catch (error) {
      // Not signed in after all: the session nobody will get a cookie for ends now.
      await deps.sessions.end(id).catch(() => undefined);
      throw error;
    }
    return { kind: 'signed-in', sessionId: id, returnTo };
  }
}
