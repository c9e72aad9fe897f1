import type { FederationStateStore, PendingFederatedSignIn } from '../../auth/federation/federation-state.ts';
import type { SqlClient } from '../database.ts';

interface Row {
  state_hash: string;
  browser_hash: string;
  tenant: string;
  provider_id: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expires_at: Date | string;
}

/** Migration 028's auth_federation_state: taken by a DELETE … RETURNING, so two callbacks with one state cannot both have it. */
export function createFederationStateStore(sql: SqlClient): FederationStateStore {
  return {
    async insert(pending, now) {
      // Abandoned sign-ins are swept as new ones start (the expiry index keeps it cheap).
      await sql.query(`DELETE FROM auth_federation_state WHERE expires_at <= $1`, [now.toISOString()]);
      await sql.query(
        `INSERT INTO auth_federation_state (state_hash, browser_hash, tenant, provider_id, nonce, code_verifier, return_to, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [pending.stateHash, pending.browserHash, pending.tenant, pending.providerId, pending.nonce, pending.codeVerifier, pending.returnTo, pending.expiresAt.toISOString()],
      );
    },
    async take(stateHash, now) {
      const rows = await sql.query<Row>(`DELETE FROM auth_federation_state WHERE state_hash = $1 RETURNING *`, [stateHash]);
      const row = rows[0];
      if (!row) return undefined;
      const pending: PendingFederatedSignIn = {
        stateHash: row.state_hash,
        browserHash: row.browser_hash,
        tenant: row.tenant,
        providerId: row.provider_id,
        nonce: row.nonce,
        codeVerifier: row.code_verifier,
        returnTo: row.return_to,
        expiresAt: new Date(row.expires_at),
      };
      return pending.expiresAt.getTime() > now.getTime() ? pending : undefined;
    },
  };
}
