/**
 * A hand-made upstream OpenID Provider that answers correctly by default and misbehaves on request, for the
 * relying party's negative tests: node:http + jose on 127.0.0.1 (random port), issuer `http://127.0.0.1:<port>`.
 *
 * - `GET /.well-known/openid-configuration`, `GET /jwks` (one RS256 public key; a second key pair exists that is
 *   never published, for forged signatures).
 * - `GET /authorize` records the request and redirects straight back (no login page) with code, state and iss.
 * - `POST /token` authenticates the client (client_secret_basic, client_secret_post or private_key_jwt, whichever
 *   the client is configured for), checks the code, redirect_uri and PKCE (S256), and answers with an id_token.
 * - `upstream.next(scenario)` changes the next authorization and its token exchange; afterwards the defaults
 *   (a correct, valid response) apply again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';

export interface ForgedScenario {
  /** The id_token's sub (default `forged-user`). */
  sub?: string;
  /** Extra id_token claims (email, staff_id, groups, …); they may also override the standard ones. */
  claims?: Record<string, unknown>;
  idToken?: {
    aud?: string | string[];
    iss?: string;
    nonce?: string;
    /** Seconds since the epoch (default: iat + 300). */
    exp?: number;
    /** Signed with the key pair whose public key is not at /jwks (same kid as the published one). */
    signWith?: 'unpublished-key';
    /** After signing, the payload is replaced: `sub` gets `-tampered` appended (the signature no longer matches). */
    tamper?: 'payload';
    /** An unsecured JWT (`alg: none`, empty signature). */
    alg?: 'none';
  };
  authorizationResponse?: {
    /** The RFC 9207 `iss` parameter: a different value, or null to omit it (default: the issuer). */
    iss?: string | null;
    /** Replaces the request's state. */
    state?: string;
    /** Answers with this error (and `error_description`, `state`, `iss`) instead of a code. */
    error?: string;
  };
}

export interface ForgedClient {
  client_id: string;
  /** For client_secret_basic / client_secret_post. */
  client_secret?: string;
  /** Default: client_secret_basic. Only this method is accepted for the client. */
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** For private_key_jwt: where the client's public keys are fetched... */
  jwks_uri?: string;
  /** ...or the keys themselves. */
  jwks?: JSONWebKeySet;
  /** When given, /authorize refuses (400) any other redirect_uri. */
  redirect_uris?: string[];
}

export interface ForgedUpstreamOptions {
  /** Default: [FORGED_DEFAULT_CLIENT]. */
  clients?: ForgedClient[];
}

export interface AuthorizationRequestRecord {
  client_id: string | null;
  redirect_uri: string | null;
  state: string | null;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  scope: string | null;
  /** The whole query. */
  query: Record<string, string>;
}

export interface TokenRequestRecord {
  /** The form parameters (client_assertion included). */
  params: Record<string, string>;
  client_id: string;
  auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** The id_token answered (as sent, possibly forged). */
  id_token: string;
}

export interface ForgedUpstream {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Every authorization request, in order. */
  requests: AuthorizationRequestRecord[];
  /** Every successful token request, in order. */
  tokenRequests: TokenRequestRecord[];
  /** How many times its JWKS was fetched. */
  readonly jwksRequests: number;
  /** Sets the scenario of the next authorization (and its token exchange). */
  next(scenario: ForgedScenario): void;
  close(): Promise<void>;
}

export const FORGED_DEFAULT_CLIENT = {
  client_id: 'portico-rp',
  client_secret: 'forged-upstream-secret-0123456789',
  token_endpoint_auth_method: 'client_secret_basic',
} as const satisfies ForgedClient;

const KID = 'forged-upstream-rs256';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface IssuedCode {
  request: AuthorizationRequestRecord;
  scenario: ForgedScenario;
  used: boolean;
}

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function startForgedUpstream(options: ForgedUpstreamOptions = {}): Promise<ForgedUpstream> {
  const published = await generateKeyPair('RS256');
  const unpublished = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(published.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const configured: ForgedClient[] = options.clients ?? [FORGED_DEFAULT_CLIENT];
  const clients = new Map(configured.map((c) => [c.client_id, c]));
  const remoteJwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  const requests: AuthorizationRequestRecord[] = [];
  const tokenRequests: TokenRequestRecord[] = [];
  const codes = new Map<string, IssuedCode>();
  let pending: ForgedScenario = {};

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const authorizationEndpoint = `${issuer}/authorize`;
  const tokenEndpoint = `${issuer}/token`;
  const jwksUri = `${issuer}/jwks`;

  const metadata = {
    issuer,
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: tokenEndpoint,
    jwks_uri: jwksUri,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    grant_types_supported: ['authorization_code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
    authorization_response_iss_parameter_supported: true,
  };

  function authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const request: AuthorizationRequestRecord = {
      client_id: q.get('client_id'),
      redirect_uri: q.get('redirect_uri'),
      state: q.get('state'),
      nonce: q.get('nonce'),
      code_challenge: q.get('code_challenge'),
      code_challenge_method: q.get('code_challenge_method'),
      scope: q.get('scope'),
      query: Object.fromEntries(q),
    };
    requests.push(request);
    const scenario = pending;
    pending = {};
    const client = request.client_id !== null ? clients.get(request.client_id) : undefined;
    if (!client || !request.redirect_uri || (client.redirect_uris && !client.redirect_uris.includes(request.redirect_uri))) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`unknown client_id or redirect_uri: ${request.client_id} ${request.redirect_uri}`);
      return;
    }
    const back = new URL(request.redirect_uri);
    const answer = scenario.authorizationResponse ?? {};
    if (answer.error !== undefined) {
      back.searchParams.set('error', answer.error);
      back.searchParams.set('error_description', `forged upstream: ${answer.error}`);
    } else {
      const code = b64url(randomBytes(24));
      codes.set(code, { request, scenario, used: false });
      back.searchParams.set('code', code);
    }
    const state = answer.state ?? request.state;
    if (state !== null) back.searchParams.set('state', state);
    const iss = answer.iss === undefined ? issuer : answer.iss;
    if (iss !== null) back.searchParams.set('iss', iss);
    res.writeHead(302, { location: back.href, 'cache-control': 'no-store' });
    res.end();
  }

  async function authenticate(req: IncomingMessage, params: URLSearchParams): Promise<{ client: ForgedClient; method: TokenRequestRecord['auth_method'] }> {
    const header = req.headers.authorization;
    let method: TokenRequestRecord['auth_method'];
    let clientId: string | null;
    let secret: string | null = null;
    if (header?.startsWith('Basic ')) {
      method = 'client_secret_basic';
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 'malformed Basic credentials');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } else if (params.has('client_assertion')) {
      method = 'private_key_jwt';
      if (params.get('client_assertion_type') !== ASSERTION_TYPE) throw new OAuthError(401, 'invalid_client', 'unsupported client_assertion_type');
      let sub: unknown;
      try {
        sub = decodeJwt(params.get('client_assertion') ?? '').sub;
      } catch {
        throw new OAuthError(401, 'invalid_client', 'malformed client_assertion');
      }
      clientId = params.get('client_id') ?? (typeof sub === 'string' ? sub : null);
    } else if (params.has('client_secret')) {
      method = 'client_secret_post';
      clientId = params.get('client_id');
      secret = params.get('client_secret');
    } else {
      throw new OAuthError(401, 'invalid_client', 'no client authentication');
    }
    const client = clientId !== null ? clients.get(clientId) : undefined;
    if (!client) throw new OAuthError(401, 'invalid_client', `unknown client ${clientId}`);
    if ((client.token_endpoint_auth_method ?? 'client_secret_basic') !== method) {
      throw new OAuthError(401, 'invalid_client', `client ${clientId} does not authenticate with ${method}`);
    }
    if (method === 'private_key_jwt') {
      const keys = client.jwks
        ? createLocalJWKSet(client.jwks)
        : client.jwks_uri
          ? (remoteJwks.get(client.jwks_uri) ?? remoteJwks.set(client.jwks_uri, createRemoteJWKSet(new URL(client.jwks_uri))).get(client.jwks_uri))
          : undefined;
      if (!keys) throw new OAuthError(401, 'invalid_client', `client ${clientId} has no keys configured`);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(params.get('client_assertion') ?? '', keys, { issuer: client.client_id, subject: client.client_id, requiredClaims: ['exp'] }));
      } catch (err) {
        throw new OAuthError(401, 'invalid_client', `client_assertion refused: ${(err as Error).message}`);
      }
      const aud = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      if (!aud.includes(tokenEndpoint) && !aud.includes(issuer)) throw new OAuthError(401, 'invalid_client', 'client_assertion aud is neither the token endpoint nor the issuer');
    } else if (client.client_secret === undefined || secret !== client.client_secret) {
      throw new OAuthError(401, 'invalid_client', 'wrong client secret');
    }
    return { client, method };
  }

  async function idToken(clientId: string, issued: IssuedCode): Promise<string> {
    const { scenario } = issued;
    const forged = scenario.idToken ?? {};
    const iat = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: forged.iss ?? issuer,
      aud: forged.aud ?? clientId,
      sub: scenario.sub ?? 'forged-user',
      iat,
      exp: forged.exp ?? iat + 300,
      ...(forged.nonce !== undefined ? { nonce: forged.nonce } : issued.request.nonce !== null ? { nonce: issued.request.nonce } : {}),
      ...scenario.claims,
    };
    if (forged.alg === 'none') return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
    const key = forged.signWith === 'unpublished-key' ? unpublished.privateKey : published.privateKey;
    const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(key);
    if (forged.tamper !== 'payload') return jwt;
    const [head, , signature] = jwt.split('.');
    return `${head}.${b64url(JSON.stringify({ ...payload, sub: `${String(payload.sub)}-tampered` }))}.${signature}`;
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError(400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const params = new URLSearchParams(await readBody(req));
    const { client, method } = await authenticate(req, params);
    if (params.get('grant_type') !== 'authorization_code') throw new OAuthError(400, 'unsupported_grant_type', `grant_type ${params.get('grant_type')}`);
    const code = params.get('code') ?? '';
    const issued = codes.get(code);
    if (!issued || issued.used) throw new OAuthError(400, 'invalid_grant', 'unknown or already used code');
    issued.used = true;
    if (issued.request.client_id !== client.client_id) throw new OAuthError(400, 'invalid_grant', 'the code was issued to another client');
    if (params.get('redirect_uri') !== issued.request.redirect_uri) throw new OAuthError(400, 'invalid_grant', 'redirect_uri does not match');
    const verifier = params.get('code_verifier');
    if (issued.request.code_challenge_method !== 'S256' || !issued.request.code_challenge) throw new OAuthError(400, 'invalid_grant', 'the authorization request had no S256 code_challenge');
    if (!verifier || createHash('sha256').update(verifier).digest('base64url') !== issued.request.code_challenge) {
      throw new OAuthError(400, 'invalid_grant', 'PKCE verification failed');
    }
    const id_token = await idToken(client.client_id, issued);
    tokenRequests.push({ params: Object.fromEntries(params), client_id: client.client_id, auth_method: method, id_token });
    json(res, 200, { access_token: b64url(randomBytes(24)), token_type: 'Bearer', expires_in: 300, id_token });
  }

  let jwksRequests = 0;
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const route = `${req.method} ${url.pathname}`;
    const handled = (async () => {
      switch (route) {
        case 'GET /.well-known/openid-configuration':
          return json(res, 200, metadata, { 'cache-control': 'no-cache' });
        case 'GET /jwks':
          jwksRequests++;
          return json(res, 200, { keys: [publicJwk] }, { 'cache-control': 'no-cache' });
        case 'GET /authorize':
          return authorize(url, res);
        case 'POST /token':
          return token(req, res);
        default:
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end(`not found: ${route}`);
      }
    })();
    handled.catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof OAuthError) {
        return json(res, err.status, { error: err.error, error_description: err.message }, err.status === 401 ? { 'www-authenticate': 'Basic realm="forged-upstream"' } : {});
      }
      json(res, 500, { error: 'server_error', error_description: String(err) });
    });
  });

  return {
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    jwksUri,
    requests,
    tokenRequests,
    get jwksRequests() {
      return jwksRequests;
    },
    next(scenario) {
      pending = scenario;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
