import type { AuthorizationCodeRecord, AuthorizationCodeStore } from '../../auth/grants/grant.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';
import { activeStanding } from './standing.ts';

const SPEND_CODE = prepared(`UPDATE authorization_code SET used_at = $2
  WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
  RETURNING record::text AS record`);

/** Codes older than this past their expiry are purged on create (a spent code is kept a while for reuse detection). */
const PURGE_AFTER_SECONDS = 24 * 3600;

// The purge rides along with the insert: one round trip per authorize, not two. The code records the standing of
// its Client and User (migration 017): its grant is stored only under the same ones (insertGrantSql).
const CREATE_CODE = prepared(`WITH purged AS (DELETE FROM authorization_code WHERE expires_at < $5)
  INSERT INTO authorization_code (code_hash, grant_id, record, expires_at, client_standing, user_standing)
  VALUES ($1, $2, $3, $4, ${activeStanding('auth_client', '$6')}, ${activeStanding('auth_user', '$7')})`);

/** PostgreSQL implementation of the authorization-code store (migrations 008 and 017). */
export function createCodeStore(sql: SqlClient): AuthorizationCodeStore {
  return {
    async create(codeHash, record) {
      await sql.query(CREATE_CODE, [
        codeHash,
        record.grant.id,
        JSON.stringify(record),
        new Date(record.expiresAt * 1000).toISOString(),
        new Date((record.expiresAt - PURGE_AFTER_SECONDS) * 1000).toISOString(),
        record.grant.clientId,
        record.grant.userId ?? null,
      ]);
    },

    async consume(codeHash, now) {
      // One UPDATE decides the winner: under concurrency only one row update sees used_at IS NULL.
      const won = await sql.query<{ record: string }>(SPEND_CODE, [codeHash, new Date(now * 1000).toISOString()]);
      if (won[0]) return { record: JSON.parse(won[0].record) as AuthorizationCodeRecord };
      const seen = await sql.query<{ grant_id: string; used: boolean }>(
        'SELECT grant_id, used_at IS NOT NULL AS used FROM authorization_code WHERE code_hash = $1',
        [codeHash],
      );
      return seen[0]?.used ? { reused: true, grantId: seen[0].grant_id } : undefined;
    },
  };
}
