import type { PasswordLinkPurpose, PasswordLinkStore } from '../../auth/console/password-links.ts';
import type { SqlClient } from '../database.ts';
import { isInactive } from './standing.ts';

interface LinkRow {
  user_id: string;
  purpose: PasswordLinkPurpose;
  issued_ms: number;
  expires_ms: number;
}

// Epoch milliseconds as float8: both drivers hand back a plain number, whatever their timestamp parsing.
const ms = (column: string, as: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${as}`;
/** A link counts while unexpired and issued under its User's current standing (migration 017). */
const VALID = `l.expires_at > $2 AND EXISTS (SELECT 1 FROM auth_user u WHERE u.id = l.user_id AND u.standing = l.user_standing)`;

/** PostgreSQL implementation of the one-time set-password links (migration 026), both drivers. */
export function createPasswordLinkStore(sql: SqlClient): PasswordLinkStore {
  return {
    async replace(tokenHash, record) {
      // The User's other links end in the statement that makes this one (a CTE's DELETE sees the same snapshot, so
      // it cannot remove the row inserted beside it). An inactive or missing User gets none: the SELECT finds no row.
      const rows = await sql.query<{ purpose: PasswordLinkPurpose }>(
        `WITH ended AS (DELETE FROM auth_password_link WHERE user_id = $2)
         INSERT INTO auth_password_link (token_hash, user_id, purpose, issued_at, expires_at, user_standing)
         SELECT $1, u.id, CASE WHEN u.content ? 'password_hash' THEN 'reset' ELSE 'invitation' END, $3, $4, u.standing
           FROM auth_user u WHERE u.id = $2 AND NOT ${isInactive('u')}
         RETURNING purpose`,
        [tokenHash, record.userId, record.issuedAt.toISOString(), record.expiresAt.toISOString()],
      );
      return rows[0]?.purpose;
    },

    async standing(userId, now) {
      const rows = await sql.query<{ has_password: boolean; purpose: PasswordLinkPurpose | null; expires_ms: number | null }>(
        `SELECT (u.content ? 'password_hash') AS has_password, l.purpose, ${ms('l.expires_at', 'expires_ms')}
           FROM auth_user u
           LEFT JOIN auth_password_link l ON l.user_id = u.id AND l.user_standing = u.standing AND l.expires_at > $2
          WHERE u.id = $1
          ORDER BY l.issued_at DESC NULLS LAST LIMIT 1`,
        [userId, now.toISOString()],
      );
      const row = rows[0];
      if (!row) return { hasPassword: false };
      return {
        hasPassword: row.has_password === true,
        ...(row.purpose !== null && row.expires_ms !== null ? { pending: { purpose: row.purpose, expiresAt: new Date(Number(row.expires_ms)) } } : {}),
      };
    },

    async find(tokenHash, now) {
      const rows = await sql.query<LinkRow>(
        `SELECT l.user_id, l.purpose, ${ms('l.issued_at', 'issued_ms')}, ${ms('l.expires_at', 'expires_ms')}
           FROM auth_password_link l WHERE l.token_hash = $1 AND ${VALID}`,
        [tokenHash, now.toISOString()],
      );
      const row = rows[0];
      return row && { userId: row.user_id, purpose: row.purpose, issuedAt: new Date(Number(row.issued_ms)), expiresAt: new Date(Number(row.expires_ms)) };
    },

    async consume(tokenHash, now) {
      // One DELETE decides which of two requests with the same link used it; the User's other links go with it.
      const rows = await sql.query<{ user_id: string }>(
        `WITH used AS (DELETE FROM auth_password_link l WHERE l.token_hash = $1 AND ${VALID} RETURNING l.user_id),
              others AS (DELETE FROM auth_password_link o USING used WHERE o.user_id = used.user_id AND o.token_hash <> $1)
         SELECT user_id FROM used`,
        [tokenHash, now.toISOString()],
      );
      return rows.length > 0;
    },
  };
}
