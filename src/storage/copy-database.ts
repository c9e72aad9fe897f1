import { LIFT_TIMEOUTS, type Database } from './database.ts';

/** Rows moved per statement: bounded memory whatever the table's size. */
const PAGE_ROWS = 500;

export interface CopyResult {
  tables: { name: string; rows: number }[];
}

/**
 * Copies every table of `from` into `to`, both at the same migration (their schema_migration rows are their own):
 * generic, so that no table is forgotten when one is added. Tables go parents first (foreign keys), rows as JSON
 * through `json_populate_recordset` (every type round-trips through its text form), identity values kept
 * (OVERRIDING SYSTEM VALUE), sequences set to where the source's were. One transaction on `to`: all or nothing.
 * `to`'s tables are emptied first.
 */
export async function copyDatabase(from: Database, to: Database, onTable: (name: string, rows: number) => void = () => {}): Promise<CopyResult> {
  const tables = (
    await from.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migration' ORDER BY c.relname`,
    )
  ).map((t) => t.name);
  const edges = await from.query<{ child: string; parent: string }>(
    `SELECT ch.relname AS child, pa.relname AS parent FROM pg_constraint k
       JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_class pa ON pa.oid = k.confrelid
      WHERE k.contype = 'f' AND ch.relname <> pa.relname`,
  );
  const ordered = parentsFirst(tables, edges);
  const sequences = await from.query<{ name: string; last_value: string | null }>(
    "SELECT sequencename AS name, last_value::text AS last_value FROM pg_sequences WHERE schemaname = 'public'",
  );
  return to.transaction(async (tx) => {
    await tx.query(LIFT_TIMEOUTS);
    if (ordered.length > 0) await tx.query(`TRUNCATE ${ordered.map(ident).join(', ')} CASCADE`);
    const result: CopyResult = { tables: [] };
    for (const name of ordered) {
      let rows = 0;
      for (let offset = 0; ; offset += PAGE_ROWS) {
        const [page] = await from.query<{ rows: string | null; n: number }>(
          `SELECT json_agg(t)::text AS rows, count(*)::int AS n FROM (SELECT * FROM ${ident(name)} ORDER BY ctid LIMIT ${PAGE_ROWS} OFFSET ${offset}) t`,
        );
        if (!page?.rows || page.n === 0) break;
        await tx.query(`INSERT INTO ${ident(name)} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${ident(name)}, $1::json)`, [page.rows]);
        rows += page.n;
        if (page.n < PAGE_ROWS) break;
      }
      onTable(name, rows);
      result.tables.push({ name, rows });
    }
    for (const s of sequences) {
      if (s.last_value !== null) await tx.query('SELECT setval($1::regclass, $2::bigint, true)', [ident(s.name), s.last_value]);
    }
    return result;
  });
}

/** Tables ordered so that each comes after the tables its foreign keys point to. */
function parentsFirst(tables: string[], edges: { child: string; parent: string }[]): string[] {
  const out: string[] = [];
  const placed = new Set<string>();
  const visit = (table: string, path: Set<string>) => {
    if (placed.has(table) || path.has(table)) return;
    path.add(table);
    for (const e of edges) if (e.child === table && tables.includes(e.parent)) visit(e.parent, path);
    placed.add(table);
    out.push(table);
  };
  for (const t of tables) visit(t, new Set());
  return out;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
