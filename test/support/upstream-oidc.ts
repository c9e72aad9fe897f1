/**
 * A real upstream OpenID Provider for federated sign-in tests: node-oidc-provider 8 on 127.0.0.1 (random port),
 * with its development login and consent pages (devInteractions), the authorization code flow with PKCE S256
 * required, and the accounts' claims in the id_token.
 *
 * - Scopes → claims: openid → sub; email → email, email_verified; profile → name, given_name, family_name;
 *   staff → staff_id; groups → groups. With `conformIdTokenClaims: false` the granted scopes' claims are put in
 *   the id_token itself (not only at userinfo).
 * - RFC 9207: oidc-provider 8 has no switch for it. Its authorization endpoint (lib/actions/authorization/respond.js)
 *   always adds `iss` = the issuer to a response that carries no id_token and is not JARM (so always, for
 *   `response_type=code` with the query response mode, success and error responses alike), and discovery
 *   always advertises `authorization_response_iss_parameter_supported: true`.
 * - Consent: the upstream shows its own consent page for every new grant (devInteractions' "consent" prompt);
 *   nothing is granted without it.
 * - Accounts: a login that names a key of `accounts` signs in as that account (sub = the login, plus its
 *   claims). devInteractions accepts any login name and any password, so an unknown login still signs in: as an
 *   account that has only `sub` (= the login), and no other claim. Tests of "the upstream sends no email" can
 *   use that.
 *
 * oidc-provider ships no type declarations; bench/types/oidc-provider.d.ts (in this project's tsconfig) declares
 * the constructor and callback(), which is all this module uses.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { formIn, type FormBrowser, type Hop } from '../browser/support/form-browser.ts';

export interface UpstreamClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  /** Default: client_secret_basic when a secret is given, else `none` (a public client, PKCE only). */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** For private_key_jwt: where the upstream fetches the client's public keys (plain http is fine here)... */
  jwks_uri?: string;
  /** ...or the keys themselves (oidc-provider takes either, not both). */
  jwks?: { keys: JWK[] };
}

export interface UpstreamOidcOptions {
  clients: UpstreamClient[];
  /** Login name (= sub) → claims (email, email_verified, name, given_name, family_name, staff_id, groups, …). */
  accounts: Record<string, Record<string, unknown>>;
  /** The scopes' claims at userinfo only, the id_token carrying `sub` alone (oidc-provider's conformIdTokenClaims). */
  claimsAtUserinfoOnly?: boolean;
}

export interface UpstreamOidc {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  issuer: string;
  /** Closes the server and every connection to it. */
  close(): Promise<void>;
}

export const UPSTREAM_SCOPES = ['openid', 'email', 'profile', 'staff', 'groups'] as const;

const CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name'],
  staff: ['staff_id'],
  groups: ['groups'],
};

type Payload = Record<string, unknown>;
interface Stored {
  payload: Payload;
  expiresAt: number;
}

/**
 * oidc-provider's adapter interface over one Map per provider: the same thing as its built-in memory adapter,
 * given only so the provider does not print its "development-only in-memory adapter" warning.
 */
function mapAdapter() {
  const store = new Map<string, Stored>();
  const live = (key: string): Payload | undefined => {
    const found = store.get(key);
    if (!found) return undefined;
    if (found.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return found.payload;
  };
  return class MapAdapter {
    constructor(private readonly model: string) {}
    private key(id: string): string {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
      store.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
      if (typeof payload.uid === 'string') store.set(`${this.model}:uid:${payload.uid}`, { payload: { id }, expiresAt: Date.now() + expiresIn * 1000 });
      if (typeof payload.userCode === 'string') store.set(`${this.model}:userCode:${payload.userCode}`, { payload: { id }, expiresAt: Date.now() + expiresIn * 1000 });
    }
    async find(id: string): Promise<Payload | undefined> {
      return live(this.key(id));
    }
    async findByUid(uid: string): Promise<Payload | undefined> {
      const ref = live(`${this.model}:uid:${uid}`);
      return typeof ref?.id === 'string' ? live(this.key(ref.id)) : undefined;
    }
    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const ref = live(`${this.model}:userCode:${userCode}`);
      return typeof ref?.id === 'string' ? live(this.key(ref.id)) : undefined;
    }
    async consume(id: string): Promise<void> {
      const found = live(this.key(id));
      if (found) found.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [key, value] of store) if (value.payload.grantId === grantId) store.delete(key);
    }
  };
}

/** Runs `construct` with oidc-provider's one unavoidable notice here (devInteractions is on) filtered out. */
function withoutDevInteractionsNotice<T>(construct: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('development-only feature devInteractions')) return;
    warn(...args);
  };
  try {
    return construct();
  } finally {
    console.warn = warn;
  }
}

export async function startUpstreamOidc(options: UpstreamOidcOptions): Promise<UpstreamOidc> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'upstream-rs256', alg: 'RS256', use: 'sig' };

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const clients = options.clients.map((c) => ({
    client_id: c.client_id,
    ...(c.client_secret !== undefined ? { client_secret: c.client_secret } : {}),
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: c.token_endpoint_auth_method ?? (c.client_secret !== undefined ? 'client_secret_basic' : 'none'),
    ...(c.jwks_uri !== undefined ? { jwks_uri: c.jwks_uri } : {}),
    ...(c.jwks !== undefined ? { jwks: c.jwks } : {}),
  }));

  const provider = withoutDevInteractionsNotice(
    () =>
      new Provider(issuer, {
        adapter: mapAdapter(),
        clients,
        jwks: { keys: [signingKey] },
        cookies: { keys: ['upstream-oidc-test-cookie-key-1', 'upstream-oidc-test-cookie-key-2'] },
        claims: CLAIMS,
        scopes: [...UPSTREAM_SCOPES],
        conformIdTokenClaims: options.claimsAtUserinfoOnly === true,
        pkce: { methods: ['S256'], required: () => true },
        responseTypes: ['code'],
        features: { devInteractions: { enabled: true } },
        ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
        async findAccount(_ctx: unknown, sub: string) {
          const claims = Object.hasOwn(options.accounts, sub) ? options.accounts[sub] : undefined;
          return {
            accountId: sub,
            async claims() {
              return { ...(claims ?? {}), sub };
            },
          };
        },
        async renderError(ctx: { type: string; body: string }, out: Record<string, unknown>) {
          ctx.type = 'html';
          ctx.body = `<!DOCTYPE html><title>upstream error</title><pre>${JSON.stringify(out)
            .replaceAll('&', '&amp;')
            .replaceAll('<', '&lt;')}</pre>`;
        },
      }),
  );
  server.on('request', provider.callback());

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function unexpected(what: string, hop: Hop): Error {
  return new Error(`${what}: got ${hop.status} at ${hop.url}${hop.location ? ` → ${hop.location}` : ''}\n${hop.body.slice(0, 3000)}`);
}

/**
 * Drives the upstream's own pages without a browser: from the redirect that sends the user agent to the
 * upstream's authorization endpoint, follows the upstream's redirects, signs in on devInteractions' login page
 * (`login`, any password), continues on its consent page, and returns the hop that redirects back to the
 * client's redirect_uri (its `location` carries code, state and iss).
 */
export async function signInAtUpstream(browser: FormBrowser, authorizeRedirect: Hop, login: string): Promise<Hop> {
  if (!authorizeRedirect.location || ![302, 303, 307].includes(authorizeRedirect.status)) {
    throw unexpected('expected a redirect to the upstream authorization endpoint', authorizeRedirect);
  }
  const origin = new URL(authorizeRedirect.location).origin;
  const interaction = /^\/interaction\/[^/]+$/;

  const authorize = await browser.request(authorizeRedirect.location);
  if (authorize.status !== 303 || !authorize.location || !interaction.test(new URL(authorize.location).pathname)) {
    throw unexpected('expected the upstream authorization endpoint to redirect to its login interaction', authorize);
  }
  const loginPage = await browser.request(authorize.location);
  if (loginPage.status !== 200 || !loginPage.body.includes('name="prompt" value="login"')) {
    throw unexpected('expected the upstream login page', loginPage);
  }
  const signedIn = await browser.submit(formIn(loginPage, interaction), { login, password: 'any-password' });
  if (signedIn.status !== 303 || !signedIn.location || new URL(signedIn.location).origin !== origin) {
    throw unexpected('expected the upstream to take the login and resume the authorization', signedIn);
  }
  const consentPage = await followWithin(browser, signedIn, origin, 'to the upstream consent page');
  if (consentPage.status !== 200 || !consentPage.body.includes('name="prompt" value="consent"')) {
    throw unexpected('expected the upstream consent page', consentPage);
  }
  const consented = await browser.submit(formIn(consentPage, interaction));
  if (consented.status !== 303 || !consented.location || new URL(consented.location).origin !== origin) {
    throw unexpected('expected the upstream to take the consent and resume the authorization', consented);
  }
  const back = await followWithin(browser, consented, origin, 'back to the client');
  if (back.status !== 303 || !back.location || new URL(back.location).origin === origin) {
    throw unexpected('expected the upstream to redirect back to the client', back);
  }
  return back;
}

/** Follows redirects while they stay on the upstream, each one a 303 (what oidc-provider answers with). */
async function followWithin(browser: FormBrowser, first: Hop, origin: string, towards: string): Promise<Hop> {
  let hop = first;
  for (let i = 0; i < 10 && hop.location && new URL(hop.location).origin === origin; i++) {
    if (hop.status !== 303) throw unexpected(`unexpected redirect on the way ${towards}`, hop);
    hop = await browser.request(hop.location);
  }
  return hop;
}
