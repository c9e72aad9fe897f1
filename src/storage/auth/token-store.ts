import type { AccessTokenLedger, RefreshTokenRecord, RefreshTokenStore } from '../../auth/grants/grant-store.ts';
import type { SqlClient } from '../database.ts';
import { grantRow, insertGrantSql } from './grant-store.ts';
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
// The token row only for a grant row stored: none when the grant's Client is missing or inactive.
const INSERT_GRANT_AND_ACCESS_TOKEN = prepared(
  `WITH g AS (${insertGrantSql(5)})
   INSERT INTO access_token (jti, grant_id, issued_at, expires_at) SELECT $1::text, $2::text, $3::timestamptz, $4::timestamptz FROM g
   RETURNING jti`,
);

/** PostgreSQL implementation of the access-token ledger (migration 008). */
export function createAccessTokenLedger(sql: SqlClient): AccessTokenLedger {
  return {
    async record(jti, grantId, issuedAt, expiresAt, newGrant) {
      if (!newGrant) {
        await sql.query(INSERT_ACCESS_TOKEN, [jti, grantId, iso(issuedAt), iso(expiresAt)]);
        return true;
      }
      // One round trip for a client_credentials token: the grant row and the token row together.
      const rows = await sql.query(INSERT_GRANT_AND_ACCESS_TOKEN, [jti, grantId, iso(issuedAt), iso(expiresAt), ...grantRow(newGrant.grant, newGrant.now)]);
      return rows.length > 0;
    },
  };
}
