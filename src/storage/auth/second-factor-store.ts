import type { SecondFactorRecord, SecondFactorStore } from '../../auth/mfa/second-factor-store.ts';
import type { SqlClient } from '../database.ts';

interface SecondFactorRow {
  user_id: string;
  totp_secret: string;
  created_ms: number;
  enrolled_ms: number | null;
  last_time_step: string | number | null;
}

// Epoch milliseconds as float8: both drivers hand back a plain number, whatever their timestamp parsing.
const ms = (column: string, as: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${as}`;

/** PostgreSQL implementation of the second factors (migration 024). */
export function createSecondFactorStore(sql: SqlClient): SecondFactorStore {
  return {
    async get(userId) {
      const rows = await sql.query<SecondFactorRow>(
        `SELECT user_id, totp_secret, ${ms('created_at', 'created_ms')}, ${ms('enrolled_at', 'enrolled_ms')}, last_time_step
           FROM auth_second_factor WHERE user_id = $1`,
        [userId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const record: SecondFactorRecord = {
        userId: row.user_id,
        sealedSecret: row.totp_secret,
        createdAt: new Date(Number(row.created_ms)),
        ...(row.enrolled_ms !== null ? { enrolledAt: new Date(Number(row.enrolled_ms)) } : {}),
        ...(row.last_time_step !== null ? { lastTimeStep: Number(row.last_time_step) } : {}),
      };
      return record;
    },
    async savePending(userId, sealedSecret, at) {
      await sql.query('INSERT INTO auth_second_factor (user_id, totp_secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING', [
        userId,
        sealedSecret,
        at.toISOString(),
      ]);
    },
    async confirm(userId, timeStep, at, recoveryCodeHashes) {
      // One statement: the enrolment and its recovery codes commit together, or neither does.
      const rows = await sql.query<{ n: number }>(
        `WITH confirmed AS (
           UPDATE auth_second_factor SET enrolled_at = $3, last_time_step = $2
            WHERE user_id = $1 AND enrolled_at IS NULL RETURNING user_id),
         codes AS (
           INSERT INTO auth_recovery_code (user_id, code_hash) SELECT c.user_id, h FROM confirmed c, unnest($4::text[]) h RETURNING 1)
         SELECT count(*)::int AS n FROM confirmed`,
        [userId, timeStep, at.toISOString(), recoveryCodeHashes],
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
    async acceptTimeStep(userId, timeStep) {
      const rows = await sql.query(
        `UPDATE auth_second_factor SET last_time_step = $2
          WHERE user_id = $1 AND enrolled_at IS NOT NULL AND (last_time_step IS NULL OR last_time_step < $2) RETURNING user_id`,
        [userId, timeStep],
      );
      return rows.length > 0;
    },
    async hasRecoveryCode(userId, codeHash) {
      const rows = await sql.query('SELECT 1 FROM auth_recovery_code WHERE user_id = $1 AND code_hash = $2 AND spent_at IS NULL', [userId, codeHash]);
      return rows.length > 0;
    },
    async spendRecoveryCode(userId, codeHash, at) {
      const rows = await sql.query(
        'UPDATE auth_recovery_code SET spent_at = $3 WHERE user_id = $1 AND code_hash = $2 AND spent_at IS NULL RETURNING code_hash',
        [userId, codeHash, at.toISOString()],
      );
      return rows.length > 0;
    },
    async listSealed() {
      const rows = await sql.query<{ user_id: string; totp_secret: string }>('SELECT user_id, totp_secret FROM auth_second_factor ORDER BY user_id');
      return rows.map((row) => ({ userId: row.user_id, sealedSecret: row.totp_secret }));
    },
    async replaceSealed(userId, previous, next) {
      const rows = await sql.query('UPDATE auth_second_factor SET totp_secret = $3 WHERE user_id = $1 AND totp_secret = $2 RETURNING user_id', [userId, previous, next]);
      return rows.length > 0;
    },
    async reset(userId) {
      // Recovery codes go with their secret (ON DELETE CASCADE); the sessions' marks in the same statement.
      const rows = await sql.query<{ user_id: string }>(
        `WITH removed AS (DELETE FROM auth_second_factor WHERE user_id = $1 RETURNING user_id),
              unmarked AS (UPDATE auth_session SET second_factor_at = NULL WHERE user_id = $1 AND second_factor_at IS NOT NULL RETURNING id_hash)
         SELECT user_id FROM removed`,
        [userId],
      );
      return rows.length > 0;
    },
    async recoveryCodesLeft(userId) {
      const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM auth_recovery_code WHERE user_id = $1 AND spent_at IS NULL', [userId]);
      return Number(rows[0]?.n ?? 0);
    },
  };
}
