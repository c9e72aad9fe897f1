import { badRequest } from '../../fhir/outcome.ts';

/**
 * The opaque `_page_token`: the sort-key values and id of the row a page starts after
 * (`next`) or ends before (`previous`) — keyset pagination, so pages stay correct while
 * other resources are inserted or deleted between fetches.
 */
export interface PageToken {
  direction: 'next' | 'previous';
  /** The boundary row's sort keys as text (null = no value), then its resource type and id. */
  keys: (string | null)[];
  /** The `_sort` the token was made for; a token is only valid with the same sort. */
  sort: string;
}

export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify([token.direction === 'next' ? 'n' : 'p', token.sort, token.keys])).toString('base64url');
}

export function decodePageToken(text: string, sort: string, keyCount: number): PageToken {
  const malformed = () => badRequest('Malformed or outdated _page_token; start the search again from its first page', '_page_token');
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,8000}$/.test(text)) throw malformed();
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw malformed();
  const [direction, tokenSort, keys] = parsed as unknown[];
  if ((direction !== 'n' && direction !== 'p') || tokenSort !== sort) throw malformed();
  if (!Array.isArray(keys) || keys.length !== keyCount || !keys.every((k) => k === null || typeof k === 'string')) throw malformed();
  return { direction: direction === 'n' ? 'next' : 'previous', keys: keys as (string | null)[], sort };
}
