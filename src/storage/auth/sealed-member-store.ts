import type { SqlClient } from '../database.ts';

/** The registry columns holding a sealed secret as a top-level member of `content`; names are never taken from input. */
const SEALED_MEMBERS = { auth_client: 'secret', auth_identity_provider: 'client_secret' } as const;

/** Rows whose sealed member is a string, and a compare-and-swap of it: what a key rotation reads and writes. */
export function createSealedMemberStore(sql: SqlClient, table: keyof typeof SEALED_MEMBERS) {
  const member = SEALED_MEMBERS[table];
  return {
    async list(): Promise<{ id: string; sealed: string }[]> {
      const rows = await sql.query<{ id: string; sealed: string }>(
        `SELECT id, content->>'${member}' AS sealed FROM ${table} WHERE jsonb_typeof(content->'${member}') = 'string' ORDER BY id`,
      );
      return rows;
    },
    async replace(id: string, expected: string, next: string): Promise<boolean> {
      const rows = await sql.query(`UPDATE ${table} SET content = jsonb_set(content, '{${member}}', to_jsonb($3::text)) WHERE id = $1 AND content->>'${member}' = $2 RETURNING id`, [
        id,
        expected,
        next,
      ]);
      return rows.length === 1;
    },
  };
}
