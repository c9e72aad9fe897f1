import type { RegistrationStore } from '../../auth/registration/registration-store.ts';
import type { SqlClient } from '../database.ts';
import { activeStanding } from './standing.ts';

// A developer's token (`User/<id>`) records the developer's standing (migration 017) and is found only while that is
// current: deactivating or deleting the developer ends it. The root client's tokens carry none.
const INSERT_INITIAL_ACCESS_TOKEN = `INSERT INTO initial_access_token (token_hash, issued_to, issued_at, expires_at, user_standing)
  VALUES ($1, $2, $3, $4, CASE WHEN $2 LIKE 'User/%' THEN ${activeStanding('auth_user', 'substr($2, 6)')} END)`;
const FIND_INITIAL_ACCESS_TOKEN = `SELECT t.issued_to, t.expires_at FROM initial_access_token t
  WHERE t.token_hash = $1
    AND (t.issued_to NOT LIKE 'User/%' OR EXISTS (SELECT 1 FROM auth_user u WHERE u.id = substr(t.issued_to, 6) AND u.standing = t.user_standing))`;

/** PostgreSQL implementation of the registration token store (migrations 006 and 017). */
export function createRegistrationStore(sql: SqlClient): RegistrationStore {
  return {
    async accessTokenHash(clientId) {
      const rows = await sql.query<{ access_token_hash: string }>('SELECT access_token_hash FROM client_registration WHERE client_id = $1', [clientId]);
      return rows[0]?.access_token_hash;
    },

    async putAccessTokenHash(clientId, hash, at) {
      await sql.query(
        `INSERT INTO client_registration (client_id, access_token_hash, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (client_id) DO UPDATE SET access_token_hash = EXCLUDED.access_token_hash, updated_at = EXCLUDED.updated_at`,
        [clientId, hash, at.toISOString()],
      );
    },

    async rotateAccessTokenHash(clientId, expected, hash, at) {
      const rows = await sql.query(
        `UPDATE client_registration SET access_token_hash = $3, updated_at = $4
          WHERE client_id = $1 AND access_token_hash = $2 RETURNING client_id`,
        [clientId, expected, hash, at.toISOString()],
      );
      return rows.length === 1;
    },

    async deleteRegistration(clientId) {
      await sql.query('DELETE FROM client_registration WHERE client_id = $1', [clientId]);
    },

    async addInitialAccessToken(hash, record) {
      await sql.query(INSERT_INITIAL_ACCESS_TOKEN, [
        hash,
        record.issuedTo,
        record.issuedAt.toISOString(),
        record.expiresAt.toISOString(),
      ]);
    },

    async initialAccessToken(hash) {
      const rows = await sql.query<{ issued_to: string; expires_at: string }>(FIND_INITIAL_ACCESS_TOKEN, [hash]);
      const row = rows[0];
      return row && { issuedTo: row.issued_to, expiresAt: new Date(row.expires_at) };
    },
  };
}
