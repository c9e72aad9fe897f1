import type { JWK } from 'jose';
import type { SigningAlg } from '../../auth/keys/signing-algorithms.ts';
import type { LockedSigningKeyStore, SigningKeyState, SigningKeyStore, StoredSigningKey } from '../../auth/keys/signing-key-store.ts';
import type { Database, SqlClient } from '../database.ts';

// Any constant works; it only has to be the same in every process sharing the database.
const SIGNING_KEY_LOCK = 7_024_311_005;

interface StateRow {
  kid: string;
  seq: string;
  alg: string;
  created_at: string;
  retired_at: string | null;
}

interface KeyRow extends StateRow {
  public_jwk: JWK;
  private_jwk: JWK;
}

const STATE_COLUMNS = 'kid, seq, alg, created_at, retired_at';

function toState(row: StateRow): SigningKeyState {
  return {
    kid: row.kid,
    seq: Number(row.seq),
    alg: row.alg as SigningAlg,
    createdAt: new Date(row.created_at),
    retiredAt: row.retired_at === null ? undefined : new Date(row.retired_at),
  };
}

async function listKeys(sql: SqlClient): Promise<SigningKeyState[]> {
  const rows = await sql.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM signing_key ORDER BY seq`);
  return rows.map(toState);
}

export function createSigningKeyStore(db: Database): SigningKeyStore {
  return {
    list: () => listKeys(db),

    async read(kids) {
      if (kids.length === 0) return [];
      const rows = await db.query<KeyRow>(
        `SELECT ${STATE_COLUMNS}, public_jwk, private_jwk FROM signing_key WHERE kid = ANY($1::text[]) ORDER BY seq`,
        [kids],
      );
      return rows.map((r): StoredSigningKey => ({ ...toState(r), publicJwk: r.public_jwk, privateJwk: r.private_jwk }));
    },

    locked(fn) {
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [SIGNING_KEY_LOCK]);
        const keys: LockedSigningKeyStore = {
          list: () => listKeys(tx),
          async insert(key) {
            await tx.query(
              'INSERT INTO signing_key (kid, alg, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)',
              [key.kid, key.alg, JSON.stringify(key.publicJwk), JSON.stringify(key.privateJwk), key.createdAt.toISOString()],
            );
          },
          async retire(kid, at) {
            const rows = await tx.query('UPDATE signing_key SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL RETURNING kid', [
              kid,
              at.toISOString(),
            ]);
            return rows.length > 0;
          },
        };
        return fn(keys);
      });
    },
  };
}
