import { createHash } from 'node:crypto';

/** What a row's hash covers: every column but the hashes themselves. */
export interface HashedAuditRow {
  chain: string;
  seq: number;
  /** The stored tenant column (src/storage/tenant-key.ts). */
  tenant: string;
  /** ISO 8601, milliseconds, UTC (`Date.toISOString()`). */
  recorded: string;
  resource: unknown;
}

export const sha256hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The prev_hash of a chain's first event: bound to the chain, so a chain's events cannot be moved to another. */
export const genesisHash = (chain: string): string => sha256hex(`genesis\n${chain}`);

/** sha256hex(prev_hash + '\n' + canonical JSON of the row). */
export const auditRowHash = (prevHash: string, row: HashedAuditRow): string =>
  sha256hex(`${prevHash}\n${canonicalJson({ chain: row.chain, seq: row.seq, tenant: row.tenant, recorded: row.recorded, resource: row.resource })}`);

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace: the same text for the same value, whatever
 * order jsonb gives the keys back in. Values are JSON's own (what a jsonb column round-trips); undefined properties
 * are left out, as JSON.stringify leaves them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
