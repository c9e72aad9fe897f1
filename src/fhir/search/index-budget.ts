import { createHash } from 'node:crypto';

/**
 * What one search-index entry may hold. PostgreSQL refuses a B-tree entry over 2,704 bytes (8 kB pages),
 * and an entry holds every column of its index together: `search_token_code` is type, param, code AND
 * system. The free text of one entry gets `ENTRY_TEXT_BYTES`, which leaves room for the tenant, type,
 * param and the entry's own overhead. Each column has a fixed share, never one that depends on another
 * column's length, so that a search value is cut exactly as the stored one was and still finds it.
 */
const ENTRY_TEXT_BYTES = 2000;
/** A token's code and system share one entry: half each. */
const TOKEN_PART_BYTES = ENTRY_TEXT_BYTES / 2;
/** `#` and a SHA-256 in base64url. */
const DIGEST_CHARS = 44;

/** The longest prefix of `text` within `bytes` bytes of UTF-8, cut between code points. */
export function utf8Prefix(text: string, bytes: number): string {
  if (text.length * 3 <= bytes) return text;
  const utf8 = Buffer.from(text, 'utf8');
  if (utf8.length <= bytes) return text;
  let end = bytes;
  // Back to the first byte of the code point the cut falls in (continuation bytes are 10xxxxxx).
  while (end > 0 && ((utf8[end] ?? 0) & 0xc0) === 0x80) end--;
  return utf8.subarray(0, end).toString('utf8');
}

/**
 * A string or uri value as indexed and as searched: its first `ENTRY_TEXT_BYTES` bytes. A prefix, so
 * that prefix searches (string, uri `:below`) keep matching it; beyond that length, values compare by
 * that prefix only (`:contains` does not see past it).
 */
export const indexedText = (text: string): string => utf8Prefix(text, ENTRY_TEXT_BYTES);

/**
 * A token's code or system as indexed and as searched. Tokens match exactly, so an over-long one becomes
 * its prefix and a digest of the whole: an exact search for the same value is turned into the same text
 * and finds that value, and only it.
 */
export function indexedTokenPart(text: string): string {
  const prefix = utf8Prefix(text, TOKEN_PART_BYTES);
  if (prefix === text) return text;
  const digest = createHash('sha256').update(text, 'utf8').digest('base64url');
  return `${utf8Prefix(prefix, TOKEN_PART_BYTES - DIGEST_CHARS)}#${digest}`;
}
