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

/**
 * sha256hex(prev_hash + '\n' + canonical JSON of the row). `resourceText`, when given, is canonicalJson(row.resource)
 * already made (the store sends that same text as the row's jsonb): the row's JSON is then built around it.
 */
export const auditRowHash = (prevHash: string, row: HashedAuditRow, resourceText = canonicalJson(row.resource)): string =>
  sha256hex(
    `${prevHash}\n{"chain":${JSON.stringify(row.chain)},"recorded":${JSON.stringify(row.recorded)},"resource":${resourceText},"seq":${canonicalJson(row.seq)},"tenant":${JSON.stringify(row.tenant)}}`,
  );

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array.prototype.sort compares strings) and no whitespace:
 * the same text for the same value, whatever order jsonb gives the keys back in. Values are JSON's own (what a jsonb
 * column round-trips); undefined properties are left out, as JSON.stringify leaves them. Written as loops: it runs
 * for every event on the FHIR API's hot path.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out += (i === 0 ? '' : ',') + (item === undefined ? 'null' : canonicalJson(item));
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}
