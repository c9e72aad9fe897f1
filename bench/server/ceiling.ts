import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { importJWK, jwtVerify, decodeJwt, decodeProtectedHeader, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Database } from '../../src/storage/database.ts';
import type { RecordedQuery } from './query-recorder.ts';

/**
 * The ceiling: the least any server could do for the same request. A bearer token is verified once
 * (the same public key, imported once) and then remembered until it expires, as Portico remembers
 * verified tokens, so a repeated token costs a Map lookup. A read is one statement by primary key;
 * a search replays the statements Portico ran for it, bare; both send the stored JSON as text, never
 * parsed or serialised. The export streams the resource table as NDJSON (COPY ... TO STDOUT on
 * PostgreSQL).
 */
export interface CeilingOptions {
  db: Database;
  databaseUrl: string | undefined;
  jwks: { keys: JWK[] };
  issuer: string;
  audience: string;
  /** Per search variant, per fixture: the statements Portico ran for it. */
  searches: Record<string, RecordedQuery[][]>;
  /** For the token ceiling: the backend clients' public keys, and a private key of the access-token algorithm. */
  token: { clients: { clientId: string; publicJwk: JWK }[]; signingJwk: JWK };
  /**
   * Records the least durable AuditEvent there is (no agents, no entities) through Portico's own audit trail and
   * resolves once it is committed: the `/ceiling/audited/…` routes await it before answering, as every audited
   * server must, so they are the ceiling of any server that keeps a durable trail.
   */
  recordMinimalEvent: () => Promise<void>;
}

export interface Ceiling {
  url: string;
  close(): Promise<void>;
}

const EXPORT_PAGE = 5000;

class EventNotRecorded extends Error {}

export async function startCeiling(options: CeilingOptions): Promise<Ceiling> {
  const keys = new Map<string, CryptoKey>();
  for (const jwk of options.jwks.keys) {
    if (jwk.kid && jwk.alg) keys.set(jwk.kid, (await importJWK(jwk, jwk.alg)) as CryptoKey);
  }
  const app: FastifyInstance = Fastify({ logger: false });
  const clientKeys = new Map<string, CryptoKey>();
  for (const c of options.token.clients) clientKeys.set(c.clientId, (await importJWK(c.publicJwk, c.publicJwk.alg)) as CryptoKey);
  const signingAlg = options.token.signingJwk.alg ?? 'ES384';
  const signingKey = (await importJWK(options.token.signingJwk, signingAlg)) as CryptoKey;
  // These routes' own URLs, known once listening.
  let tokenAudience = '';
  let auditedTokenAudience = '';
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, new URLSearchParams(body as string)));

  // Verified tokens, by their text: the expiry (ms) each is good until.
  const remembered = new Map<string, number>();
  const verified = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
    try {
      if (!token) throw new Error('no token');
      const until = remembered.get(token);
      if (until !== undefined && until > Date.now()) return true;
      const key = keys.get(String(decodeProtectedHeader(token).kid));
      if (!key) throw new Error('unknown kid');
      const { payload } = await jwtVerify(token, key, { issuer: options.issuer, audience: options.audience, typ: 'at+jwt' });
      remembered.set(token, (payload.exp ?? 0) * 1000);
      return true;
    } catch {
      await reply.code(401).send();
      return false;
    }
  };

  const read = (audited: boolean) => async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    if (!(await verified(request, reply))) return reply;
    const rows = await options.db.query<{ content: string }>(
      "SELECT content::text AS content FROM resource WHERE tenant = '' AND resource_type = 'Observation' AND id = $1",
      [request.params.id],
    );
    if (!rows[0]) return reply.code(404).send();
    if (audited) await options.recordMinimalEvent();
    return reply.type('application/fhir+json').send(rows[0].content);
  };
  app.get('/ceiling/Observation/:id', read(false));
  app.get('/ceiling/audited/Observation/:id', read(true));

  app.get('/ceiling/search/:variant/:index', async (request: FastifyRequest<{ Params: { variant: string; index: string } }>, reply) => {
    if (!(await verified(request, reply))) return reply;
    const statements = options.searches[request.params.variant]?.[Number(request.params.index)];
    if (!statements) return reply.code(404).send();
    // The recorded statements select the stored JSON as text (content::text): concatenated as it comes.
    let entries = '';
    for (const statement of statements) {
      const rows = await options.db.query<{ content?: unknown }>(statement.text, statement.params);
      for (const row of rows) {
        if (row.content === undefined) continue;
        const text = typeof row.content === 'string' ? row.content : JSON.stringify(row.content);
        entries += entries === '' ? `{"resource":${text}}` : `,{"resource":${text}}`;
      }
    }
    return reply.type('application/fhir+json').send(`{"resourceType":"Bundle","type":"searchset","entry":[${entries}]}`);
  });

  // The token endpoint's crypto floor: verify the client's fresh assertion and sign an access token
  // with the same algorithms, no database at all (so no replay ledger either).
  const token = (audited: boolean) => async (request: FastifyRequest<{ Body: URLSearchParams }>, reply: FastifyReply) => {
    const assertion = request.body.get('client_assertion') ?? '';
    try {
      const { payload } = await jwtVerify(assertion, async () => {
        const key = clientKeys.get(String(decodeJwt(assertion).iss));
        if (!key) throw new Error('unknown client');
        return key;
      }, { audience: audited ? auditedTokenAudience : tokenAudience });
      const scope = request.body.get('scope') ?? '';
      const accessToken = await new SignJWT({ client_id: payload.iss, scope })
        .setProtectedHeader({ alg: signingAlg, kid: options.token.signingJwk.kid ?? 'ceiling', typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(String(payload.iss))
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(signingKey);
      // The answer waits for its event; an event not recorded is the server's failure, not the client's.
      if (audited) await options.recordMinimalEvent().catch(() => Promise.reject(new EventNotRecorded()));
      return { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope };
    } catch (error) {
      if (error instanceof EventNotRecorded) return reply.code(503).send({ error: 'temporarily_unavailable' });
      return reply.code(400).send({ error: 'invalid_client' });
    }
  };
  app.post('/ceiling/token', token(false));
  // The same floor with the least durable AuditEvent committed before the answer (still no replay ledger).
  app.post('/ceiling/audited/token', token(true));

  // Every live resource, one NDJSON line each, grouped by type as an export's files are.
  app.get('/ceiling/export', async (_request, reply) => {
    if (options.databaseUrl) {
      reply.type('application/fhir+ndjson');
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      const stream = client.query(
        copyTo("COPY (SELECT content FROM resource WHERE tenant = '' AND NOT deleted ORDER BY resource_type, id) TO STDOUT"),
      );
      const end = () => void client.end();
      stream.on('end', end).on('error', end);
      return reply.send(stream);
    }
    // PGlite offers COPY only to a file or blob, not a stream: keyset pages of bare SELECTs instead.
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await options.db.query<{ resource_type: string; id: string; content: string }>(
        `SELECT resource_type, id, content::text AS content FROM resource
          WHERE tenant = '' AND NOT deleted AND (resource_type, id) > ($1, $2) ORDER BY resource_type, id LIMIT ${EXPORT_PAGE}`,
        after,
      );
      if (rows.length === 0) break;
      reply.raw.write(`${rows.map((r) => r.content).join('\n')}\n`);
      const last = rows[rows.length - 1]!;
      after = [last.resource_type, last.id];
    }
    reply.raw.end();
  });

  app.get('/bench/memory', async () => process.memoryUsage());

  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  tokenAudience = `${url}/ceiling/token`;
  auditedTokenAudience = `${url}/ceiling/audited/token`;
  return { url, close: () => app.close() };
}
