import type { AccessTokenLedger, RefreshTokenRecord, RefreshTokenStore } from '../../auth/grants/grant-store.ts';
import type { SqlClient } from '../database.ts';
import type { Grant } from '../../auth/grants/grant.ts';
import { grantRow, insertGrantsSql } from './grant-store.ts';
import { createGroupCommit } from '../group-commit.ts';
import { consumeJtisSql, createJtiPurge, jtiKey } from './jti-store.ts';
import { prepared } from '../prepared-statement.ts';

interface RefreshRow {
  grant_id: string;
  scope: string;
  issued_at: string;
  expires_at: string;
  rotated: boolean;
}

const SELECT_COLUMNS = `grant_id, scope, extract(epoch FROM created_at)::bigint::text AS issued_at,
  extract(epoch FROM expires_at)::bigint::text AS expires_at, rotated_at IS NOT NULL AS rotated`;

const INSERT_REFRESH_TOKEN = prepared('INSERT INTO refresh_token (token_hash, grant_id, scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)');
const ROTATE_REFRESH_TOKEN = prepared(`UPDATE refresh_token SET rotated_at = $2
  WHERE token_hash = $1 AND rotated_at IS NULL AND expires_at > $2
  RETURNING ${SELECT_COLUMNS}`);
const FIND_REFRESH_TOKEN = prepared(`SELECT ${SELECT_COLUMNS} FROM refresh_token WHERE token_hash = $1`);

function toRecord(row: RefreshRow): RefreshTokenRecord {
  return { grantId: row.grant_id, scope: row.scope, issuedAt: Number(row.issued_at), expiresAt: Number(row.expires_at) };
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** PostgreSQL implementation of the refresh-token store (migration 008). */
export function createRefreshTokenStore(sql: SqlClient): RefreshTokenStore {
  return {
    async create(tokenHash, record) {
      await sql.query(INSERT_REFRESH_TOKEN, [
        tokenHash,
        record.grantId,
        record.scope,
        iso(record.issuedAt),
        iso(record.expiresAt),
      ]);
    },

    async rotate(tokenHash, now) {
      const won = await sql.query<RefreshRow>(ROTATE_REFRESH_TOKEN, [tokenHash, iso(now)]);
      if (won[0]) return { record: toRecord(won[0]) };
      const seen = await sql.query<RefreshRow>(FIND_REFRESH_TOKEN, [tokenHash]);
      return seen[0]?.rotated ? { reused: true, grantId: seen[0].grant_id } : undefined;
    },

    async find(tokenHash) {
      const rows = await sql.query<RefreshRow>(FIND_REFRESH_TOKEN, [tokenHash]);
      return rows[0] ? { ...toRecord(rows[0]), rotated: rows[0].rotated } : undefined;
    },
  };
}

const INSERT_ACCESS_TOKEN = prepared('INSERT INTO access_token (jti, grant_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)');
// New grants with their first tokens and their client assertions' jtis, a batch's worth in one statement (one
// commit): a grant and its token are stored only when its assertion's jti is new (`j`), or it has none, and the
// grant's Client is active (insertGrantsSql); an assertion replayed stores nothing.
const INSERT_GRANTS_AND_ACCESS_TOKENS = prepared(
  `WITH n AS (SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::timestamptz[],
                                   $9::text[], $10::text[], $11::timestamptz[])
                AS n (jti, id, issued_at, expires_at, client_id, user_id, content, created_at, assertion_client_id, assertion_jti, assertion_until)),
        j AS (${consumeJtisSql('SELECT assertion_client_id, assertion_jti, assertion_until FROM n WHERE assertion_jti IS NOT NULL', '$12::timestamptz')}),
        f AS (SELECT * FROM n WHERE assertion_jti IS NULL OR EXISTS (SELECT 1 FROM j WHERE j.client_id = n.assertion_client_id AND j.jti = n.assertion_jti)),
        g AS (${insertGrantsSql('f n')}),
        t AS (INSERT INTO access_token (jti, grant_id, issued_at, expires_at) SELECT n.jti, n.id, n.issued_at, n.expires_at FROM n JOIN g ON g.id = n.id
              RETURNING jti)
   SELECT n.jti, EXISTS (SELECT 1 FROM t WHERE t.jti = n.jti) AS stored,
          n.assertion_jti IS NOT NULL AND NOT EXISTS (SELECT 1 FROM j WHERE j.client_id = n.assertion_client_id AND j.jti = n.assertion_jti) AS replayed
     FROM n`,
);
/** Statements of new grants running at once, and grants per statement at most. */
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 256;

interface NewGrantToken {
  jti: string;
  issuedAt: number;
  expiresAt: number;
  grant: Grant;
  now: Date;
  assertion: { clientId: string; jti: string; rememberUntil: Date } | undefined;
}
type Outcome = 'recorded' | 'grant-refused' | 'assertion-replayed';

/**
 * PostgreSQL implementation of the access-token ledger (migration 008). A client_credentials token's one write
 * (its assertion's jti, its new grant and its token row) is shared with the others arriving while one is being
 * written (group-commit.ts): one statement and one durable commit for all of them.
 */
export function createAccessTokenLedger(sql: SqlClient): AccessTokenLedger {
  const purgeJtis = createJtiPurge(sql);
  const recordWithGrants = createGroupCommit<NewGrantToken, Outcome>(
    async (batch) => {
      // The latest clock of the batch decides which recorded jtis have expired: all were read within the batch's wait.
      const now = Math.max(...batch.map((t) => t.now.getTime()));
      if (batch.some((t) => t.assertion)) await purgeJtis(now);
      const grantValues = batch.map((t) => grantRow(t.grant, t.now));
      const rows = await sql.query<{ jti: string; stored: boolean; replayed: boolean }>(INSERT_GRANTS_AND_ACCESS_TOKENS, [
        batch.map((t) => t.jti),
        batch.map((t) => t.grant.id),
        batch.map((t) => iso(t.issuedAt)),
        batch.map((t) => iso(t.expiresAt)),
        ...[1, 2, 3, 4].map((column) => grantValues.map((values) => values[column])),
        batch.map((t) => t.assertion?.clientId ?? null),
        batch.map((t) => t.assertion?.jti ?? null),
        batch.map((t) => t.assertion?.rememberUntil.toISOString() ?? null),
        new Date(now).toISOString(),
      ]);
      const byJti = new Map(rows.map((r) => [r.jti, r]));
      return batch.map((t): Outcome => {
        const row = byJti.get(t.jti);
        if (row?.replayed) return 'assertion-replayed';
        return row?.stored ? 'recorded' : 'grant-refused';
      });
    },
    // A grant id or an assertion twice in one statement would store one grant for two tokens, or fail: the second waits its turn.
    {
      maxInFlight: MAX_IN_FLIGHT,
      maxBatch: MAX_BATCH,
      keys: (t) => [`grant ${t.grant.id}`, ...(t.assertion ? [`jti ${jtiKey(t.assertion.clientId, t.assertion.jti)}`] : [])],
    },
  );
  return {
    async record(jti, grantId, issuedAt, expiresAt, newGrant) {
      if (!newGrant) {
        await sql.query(INSERT_ACCESS_TOKEN, [jti, grantId, iso(issuedAt), iso(expiresAt)]);
        return 'recorded';
      }
      if (newGrant.grant.id !== grantId) throw new Error('a new grant is recorded with a token of its own');
      return recordWithGrants({ jti, issuedAt, expiresAt, grant: newGrant.grant, now: newGrant.now, assertion: newGrant.assertion });
    },
  };
}
