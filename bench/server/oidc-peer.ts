import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import Provider from 'oidc-provider';
import type { Database } from '../../src/storage/database.ts';

/**
 * The peer: node-oidc-provider (npm) with one client per assertion algorithm for client_credentials
 * by private_key_jwt, issuing JWT access tokens signed with the same algorithm Portico uses. Its
 * models (the assertion replay ledger among them) live in the same database as Portico's, so its
 * replay protection is as durable as ours.
 */
export interface PeerClient {
  clientId: string;
  alg: 'ES384' | 'RS384';
  publicJwk: JWK;
}

export interface OidcPeer {
  url: string;
  tokenEndpoint: string;
  close(): Promise<void>;
}

const MODEL_TABLE = `CREATE TABLE IF NOT EXISTS bench_oidc_model (
  model text NOT NULL, id text NOT NULL, payload jsonb NOT NULL, expires_at timestamptz,
  grant_id text, uid text, user_code text, consumed_at timestamptz, PRIMARY KEY (model, id))`;

type Payload = Record<string, unknown>;

/** oidc-provider's adapter interface over our SQL client: one row per model instance. */
function sqlAdapter(db: Database) {
  return class SqlAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
      await db.query(
        `INSERT INTO bench_oidc_model (model, id, payload, expires_at, grant_id, uid, user_code)
         VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4::float8), $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [this.model, id, JSON.stringify(payload), expiresIn, payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null],
      );
    }

    private async findWhere(column: 'id' | 'uid' | 'user_code', value: string): Promise<Payload | undefined> {
      const rows = await db.query<{ payload: Payload | string; consumed: number | null }>(
        `SELECT payload, extract(epoch FROM consumed_at)::float8 AS consumed FROM bench_oidc_model
          WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now())`,
        [this.model, value],
      );
      const row = rows[0];
      if (!row) return undefined;
      const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Payload) : row.payload;
      return row.consumed === null ? payload : { ...payload, consumed: Math.floor(row.consumed) };
    }

    find(id: string) {
      return this.findWhere('id', id);
    }
    findByUid(uid: string) {
      return this.findWhere('uid', uid);
    }
    findByUserCode(userCode: string) {
      return this.findWhere('user_code', userCode);
    }
    async consume(id: string): Promise<void> {
      await db.query('UPDATE bench_oidc_model SET consumed_at = now() WHERE model = $1 AND id = $2', [this.model, id]);
    }
    async destroy(id: string): Promise<void> {
      await db.query('DELETE FROM bench_oidc_model WHERE model = $1 AND id = $2', [this.model, id]);
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      await db.query('DELETE FROM bench_oidc_model WHERE grant_id = $1', [grantId]);
    }
  };
}

export async function startOidcPeer(options: {
  db: Database;
  clients: PeerClient[];
  /** Private JWKs the provider signs with: the access-token algorithm's key, plus RS256 for id_tokens. */
  signingKeys: JWK[];
  accessTokenAlg: string;
  audience: string;
  scope: string;
}): Promise<OidcPeer> {
  await options.db.query(MODEL_TABLE);
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    adapter: sqlAdapter(options.db),
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: c.alg,
      jwks: { keys: [c.publicJwk] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
    jwks: { keys: options.signingKeys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    enabledJWA: { clientAuthSigningAlgValues: ['ES384', 'RS384'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: options.scope,
          audience: options.audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: options.accessTokenAlg } },
        }),
      },
    },
    scopes: options.scope.split(' '),
  });
  server.on('request', provider.callback());
  return {
    url,
    tokenEndpoint: `${url}/token`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
