import * as oidc from 'openid-client';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { SigningAlg } from '../keys/signing-algorithms.ts';
import type { StoredIdentityProvider } from './identity-provider.ts';
import type { ProviderSecrets } from './provider-secret.ts';

/**
 * What the app's authorization request asked of the sign-in (OpenID Connect Core §3.1.2.1): `login` (authenticate
 * again) and `select_account` are passed on to the upstream, which is where a federated person authenticates.
 */
export type UpstreamPrompt = 'login' | 'select_account';
export const UPSTREAM_PROMPTS: readonly UpstreamPrompt[] = ['login', 'select_account'];

/** The prompts of a `prompt` value Portico passes upstream, in a fixed order; unknown values are dropped. */
export function upstreamPrompts(value: unknown): UpstreamPrompt[] {
  if (typeof value !== 'string') return [];
  const asked = new Set(value.split(' '));
  return UPSTREAM_PROMPTS.filter((prompt) => asked.has(prompt));
}

/** The checks a callback must pass, kept from the start of the sign-in. */
export interface UpstreamChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** The claims of a verified id_token (OpenID Connect Core §2, §3.1.3.7). */
export type IdTokenClaims = Record<string, unknown> & { iss: string; sub: string };

/**
 * Portico as an OpenID relying party of a tenant's identity providers, through `openid-client` (a certified RP
 * library): discovery, the authorization request (code flow, PKCE S256, state, nonce), and the callback's checks —
 * RFC 9207 `iss`, state, the code exchange authenticated as configured, and the id_token's signature (from the
 * upstream's JWKS), iss, aud, azp, nonce, exp and iat.
 */
export interface UpstreamClient {
  /** Where to send the browser. */
  authorizationUrl(provider: StoredIdentityProvider, checks: UpstreamChecks, prompts?: readonly UpstreamPrompt[]): Promise<URL>;
  /**
   * The verified id_token's claims; throws UpstreamError on anything that does not verify. `callbackUrl` is the redirect
   * URI with the answer's parameters (the token request's redirect_uri is it, less them).
   */
  exchange(provider: StoredIdentityProvider, callbackUrl: URL, checks: UpstreamChecks): Promise<IdTokenClaims>;
}

/** The upstream could not be used or its answer did not verify: the message says why (never a secret). */
export class UpstreamError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamClientDeps {
  /** Every request to an upstream (discovery, JWKS, token endpoint) goes through this guarded fetch. */
  fetch: oidc.CustomFetch;
  /** Sandbox mode: `http://` upstreams are called. */
  allowHttp: boolean;
  secrets: ProviderSecrets;
  /** private_key_jwt assertions are signed with Portico's current key (its JWKS is what the upstream registers). */
  signingKeys: Pick<SigningKeys, 'signingKey'>;
  assertionAlg: SigningAlg;
  /** How long discovered metadata is reused, milliseconds. */
  metadataTtlMs: number;
  nowMs: () => number;
}

/** What is kept of one provider version: its discovered metadata, and the upstream JWKS the library last fetched. */
interface Discovered {
  at: number;
  metadata: Promise<oidc.ServerMetadata>;
  /** A Configuration copies its metadata, so the library's own JWKS cache (per metadata copy) lasts one sign-in: kept here. */
  jwks?: oidc.ExportedJWKSCache;
}

/** Discovered metadata and the upstream's JWKS are reused per provider version (the library re-fetches a JWKS older than 5 minutes). */
export function createUpstreamClient(deps: UpstreamClientDeps): UpstreamClient {
  const discovered = new Map<string, Discovered>();
  const execute = deps.allowHttp ? [oidc.allowInsecureRequests] : [];

  function discoveredOf(provider: StoredIdentityProvider): Discovered {
    const key = `${provider.id}@${provider.meta.versionId}`;
    const cached = discovered.get(key);
    if (cached && deps.nowMs() - cached.at < deps.metadataTtlMs) return cached;
    // OpenID Connect Discovery §4: {issuer}/.well-known/openid-configuration, whose issuer must be the one configured.
    const metadata = oidc
      .discovery(new URL(provider.issuer), provider.client_id, undefined, undefined, { execute, [oidc.customFetch]: deps.fetch, timeout: 10 })
      .then((config) => config.serverMetadata());
    const entry: Discovered = { at: deps.nowMs(), metadata };
    discovered.set(key, entry);
    // A failed discovery is not kept: the next sign-in tries again.
    metadata.catch(() => discovered.delete(key));
    if (discovered.size > 1000) discovered.delete(discovered.keys().next().value as string);
    return entry;
  }

  async function clientAuthentication(provider: StoredIdentityProvider): Promise<oidc.ClientAuth> {
    if (provider.token_endpoint_auth_method === 'private_key_jwt') {
      const key = await deps.signingKeys.signingKey(deps.assertionAlg);
      return oidc.PrivateKeyJwt({ key: key.key, kid: key.kid });
    }
    if (provider.client_secret === undefined) throw new UpstreamError(`IdentityProvider/${provider.id} has no client secret`);
    const secret = deps.secrets.open(provider.id, provider.client_secret);
    return provider.token_endpoint_auth_method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
  }

  /** `clientAuth`: how the token and userinfo requests authenticate; none where only a URL is built. */
  async function configurationOf(provider: StoredIdentityProvider, entry: Discovered, clientAuth: oidc.ClientAuth): Promise<oidc.Configuration> {
    let metadata: oidc.ServerMetadata;
    try {
      metadata = await entry.metadata;
    } catch (error) {
      throw new UpstreamError(`discovery of ${provider.issuer} failed: ${describe(error)}`, { cause: error });
    }
    if (!metadata.authorization_endpoint || !metadata.token_endpoint) throw new UpstreamError(`${provider.issuer} publishes no authorization or token endpoint`);
    const config = new oidc.Configuration(metadata, provider.client_id, undefined, clientAuth);
    if (entry.jwks) oidc.setJwksCache(config, entry.jwks);
    config[oidc.customFetch] = deps.fetch;
    if (deps.allowHttp) oidc.allowInsecureRequests(config);
    // The id_token's signature is checked against the upstream's JWKS (fetched through the guarded fetch), not
    // only trusted for arriving over TLS (OpenID Connect Core §3.1.3.7 allows either; we take the stricter).
    oidc.enableNonRepudiationChecks(config);
    return config;
  }

  return {
    async authorizationUrl(provider, checks, prompts = []) {
      const config = await configurationOf(provider, discoveredOf(provider), oidc.None());
      return oidc.buildAuthorizationUrl(config, {
        ...(prompts.length > 0 ? { prompt: prompts.join(' ') } : {}),
        response_type: 'code',
        redirect_uri: checks.redirectUri,
        scope: provider.scopes.join(' '),
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async exchange(provider, callbackUrl, checks) {
      const entry = discoveredOf(provider);
      const config = await configurationOf(provider, entry, await clientAuthentication(provider));
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw new UpstreamError(describe(error), { cause: error });
      } finally {
        entry.jwks = oidc.getJwksCache(config) ?? entry.jwks;
      }
      const claims = tokens.claims() as IdTokenClaims | undefined;
      if (!claims) throw new UpstreamError('the upstream answered without an id_token');
      // Many upstreams put the scopes' claims at userinfo only (OpenID Connect Core §5.4): asked there when the id_token
      // lacks one the mapping or the User needs; its `sub` must be the id_token's (§5.3.2), and the id_token's own
      // claims win over it.
      const wanted = wantedClaims(provider);
      const missing = [...wanted.mapping, ...wanted.profile].filter((claim) => claims[claim] === undefined);
      if (missing.length === 0 || !config.serverMetadata().userinfo_endpoint || !tokens.access_token) return claims;
      let userinfo: Record<string, unknown>;
      try {
        userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      } catch (error) {
        // Without a claim the mapping reads the sign-in cannot go on; without a name or email it can.
        if (!wanted.mapping.some((claim) => claims[claim] === undefined)) return claims;
        throw new UpstreamError(`userinfo (for ${missing.join(', ')}): ${describe(error)}`, { cause: error });
      }
      return { ...userinfo, ...claims };
    },
  };
}

/** The claims a sign-in through this provider reads: the mapping's, and the profile a new User is made with. */
function wantedClaims(provider: StoredIdentityProvider): { mapping: string[]; profile: string[] } {
  const { mapping } = provider;
  const needed = [mapping.user_claim];
  if (mapping.fhirUser.type !== 'none') needed.push(mapping.fhirUser.claim);
  if (mapping.roles) needed.push(mapping.roles.claim);
  const profile: string[] = [];
  if (provider.scopes.includes('email')) profile.push('email');
  // A name in either form will do.
  if (provider.scopes.includes('profile')) profile.push('name');
  return { mapping: [...new Set(needed)], profile };
}

/** What went wrong, for the audit trail and the page: the library's message (it names claims and checks, never values of secrets). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error && error.cause.message !== message ? ` (${error.cause.message})` : '';
  return `${message}${cause}`.slice(0, 500);
}
