import type { AttemptCount, LoginAttemptStore } from '../../auth/sessions/login-throttle.ts';
import type { Session, SessionStore, UserSession } from '../../auth/sessions/session.ts';
import type { SqlClient } from '../database.ts';
import { activeStanding } from './standing.ts';

interface SessionRow {
  id_hash: string;
  user_id: string;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
  auth_time_ms: number;
  second_factor_ms: number | null;
}

// Epoch milliseconds as float8: both drivers hand back a plain number, whatever their timestamp parsing.
const ms = (column: string, as: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${as}`;

/**
 * PostgreSQL implementation of the session store (migrations 009, 017 and 024). A session records its User's standing
 * when it starts and is found only while that is current: deactivating or deleting the User ends it for good.
 */
export function createSessionStore(sql: SqlClient): SessionStore {
  return {
    async insert(session) {
      await sql.query(
        `INSERT INTO auth_session (id_hash, user_id, created_at, last_seen_at, expires_at, auth_time, user_standing)
         VALUES ($1, $2, $3, $4, $5, $6, ${activeStanding('auth_user', '$2')})`,
        [
          session.idHash,
          session.userId,
          session.createdAt.toISOString(),
          session.lastSeenAt.toISOString(),
          session.expiresAt.toISOString(),
          session.authTime.toISOString(),
        ],
      );
    },
    async get(idHash) {
      const rows = await sql.query<SessionRow>(
        `SELECT s.id_hash, s.user_id, ${ms('s.created_at', 'created_ms')}, ${ms('s.last_seen_at', 'last_seen_ms')},
                ${ms('s.expires_at', 'expires_ms')}, ${ms('s.auth_time', 'auth_time_ms')},
                ${ms('s.second_factor_at', 'second_factor_ms')}
           FROM auth_session s JOIN auth_user u ON u.id = s.user_id AND u.standing = s.user_standing
          WHERE s.id_hash = $1`,
        [idHash],
      );
      const row = rows[0];
      return row ? toSession(row) : undefined;
    },
    async touch(idHash, lastSeenAt) {
      // GREATEST: a slower concurrent request never moves last_seen_at backwards.
      await sql.query('UPDATE auth_session SET last_seen_at = GREATEST(last_seen_at, $2) WHERE id_hash = $1', [idHash, lastSeenAt.toISOString()]);
    },
    async markSecondFactor(idHash, at) {
      await sql.query('UPDATE auth_session SET second_factor_at = $2 WHERE id_hash = $1', [idHash, at.toISOString()]);
    },
    async delete(idHash) {
      const rows = await sql.query('DELETE FROM auth_session WHERE id_hash = $1 RETURNING id_hash', [idHash]);
      return rows.length > 0;
    },
    async purgeExpired(now, idleCutoff) {
      await sql.query('DELETE FROM auth_session WHERE expires_at <= $1 OR last_seen_at <= $2', [now.toISOString(), idleCutoff.toISOString()]);
    },
    async listLive(filter, now, idleCutoff, page) {
      const params: unknown[] = [now.toISOString(), idleCutoff.toISOString()];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = ['s.expires_at > $1', 's.last_seen_at > $2'];
      if (filter.userTenants) where.push(`u.tenant IN (${filter.userTenants.map(param).join(', ')})`);
      if (filter.user !== undefined) {
        const user = param(filter.user);
        where.push(`(u.id = ${user} OR lower(u.content->>'email') = lower(${user}))`);
      }
      // Only sessions that still count: their User of the standing they started under (as `get` finds them).
      const from = `auth_session s JOIN auth_user u ON u.id = s.user_id AND u.standing = s.user_standing WHERE ${where.join(' AND ')}`;
      const [count] = await sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${from}`, params);
      const rows = await sql.query<SessionRow & { email: string | null; name: string | null }>(
        `SELECT s.id_hash, s.user_id, ${ms('s.created_at', 'created_ms')}, ${ms('s.last_seen_at', 'last_seen_ms')},
                ${ms('s.expires_at', 'expires_ms')}, ${ms('s.auth_time', 'auth_time_ms')},
                ${ms('s.second_factor_at', 'second_factor_ms')}, u.content->>'email' AS email, u.content->>'name' AS name
           FROM ${from}
          ORDER BY s.created_at DESC, s.id_hash
          LIMIT ${param(page.count)} OFFSET ${param(page.offset)}`,
        params,
      );
      return {
        total: Number(count?.n ?? 0),
        sessions: rows.map((row): UserSession => ({
          ...toSession(row),
          ...(row.email !== null ? { email: row.email } : {}),
          ...(row.name !== null ? { name: row.name } : {}),
        })),
      };
    },
  };
}

function toSession(row: SessionRow): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    createdAt: new Date(Number(row.created_ms)),
    lastSeenAt: new Date(Number(row.last_seen_ms)),
    expiresAt: new Date(Number(row.expires_ms)),
    authTime: new Date(Number(row.auth_time_ms)),
    ...(row.second_factor_ms !== null ? { secondFactorAt: new Date(Number(row.second_factor_ms)) } : {}),
  };
}

/** PostgreSQL implementation of the sign-in attempt counters (migration 009). */
export function createLoginAttemptStore(sql: SqlClient): LoginAttemptStore {
  return {
    async countAttempt(key, now, windowCutoff) {
      // One statement: the increment and the read happen together, so concurrent attempts are never lost.
      const rows = await sql.query<{ attempts: number; window_ms: number }>(
        `INSERT INTO auth_login_attempt AS a (key, attempts, window_started_at) VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
           attempts = CASE WHEN a.window_started_at <= $3 THEN 1 ELSE a.attempts + 1 END,
           window_started_at = CASE WHEN a.window_started_at <= $3 THEN EXCLUDED.window_started_at ELSE a.window_started_at END
         RETURNING attempts, ${ms('window_started_at', 'window_ms')}`,
        [key, now.toISOString(), windowCutoff.toISOString()],
      );
      const row = rows[0];
      if (!row) throw new Error('sign-in attempt was not counted');
      // Rows of windows long over would otherwise pile up, one per email ever typed.
      await sql.query('DELETE FROM auth_login_attempt WHERE window_started_at <= $1 AND key <> $2', [windowCutoff.toISOString(), key]);
      const count: AttemptCount = { attempts: Number(row.attempts), windowStartedAt: new Date(Number(row.window_ms)) };
      return count;
    },
    async failures(key, windowCutoff) {
      const rows = await sql.query<{ attempts: number; window_ms: number }>(
        `SELECT attempts, ${ms('window_started_at', 'window_ms')} FROM auth_login_attempt WHERE key = $1 AND window_started_at > $2`,
        [key, windowCutoff.toISOString()],
      );
      const row = rows[0];
      return row && { attempts: Number(row.attempts), windowStartedAt: new Date(Number(row.window_ms)) };
    },
    async forgiveAttempt(key) {
      await sql.query('UPDATE auth_login_attempt SET attempts = GREATEST(attempts - 1, 0) WHERE key = $1', [key]);
    },
    async reset(key) {
      await sql.query('DELETE FROM auth_login_attempt WHERE key = $1', [key]);
    },
  };
}
