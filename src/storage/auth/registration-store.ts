import type { RegistrationStore } from '../../auth/registration/registration-store.ts';
import type { SqlClient } from '../database.ts';

/** PostgreSQL implementation of the registration token store (migration 006). */
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
      await sql.query('INSERT INTO initial_access_token (token_hash, issued_to, issued_at, expires_at) VALUES ($1, $2, $3, $4)', [
        hash,
        record.issuedTo,
        record.issuedAt.toISOString(),
        record.expiresAt.toISOString(),
      ]);
    },

    async initialAccessToken(hash) {
      const rows = await sql.query<{ issued_to: string; expires_at: string }>(
        'SELECT issued_to, expires_at FROM initial_access_token WHERE token_hash = $1',
        [hash],
      );
      const row = rows[0];
      return row && { issuedTo: row.issued_to, expiresAt: new Date(row.expires_at) };
    },
  };
}
