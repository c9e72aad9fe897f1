import { badRequest } from '../outcome.ts';

/**
 * Where a page of `$everything` starts: a resource type of the operation's list, and the search cursor
 * within it (absent: its first match). It names a position only: every page decides the caller's access
 * and the conditions afresh from its own request, so a token, altered or replayed under another access
 * token, reaches nothing that request could not.
 */
export interface EverythingPosition {
  type: string;
  cursor?: string;
}

export function encodePageToken(position: EverythingPosition): string {
  return Buffer.from(JSON.stringify(position.cursor === undefined ? [position.type] : [position.type, position.cursor])).toString('base64url');
}

/** The position a token names, which must be one of `types`; 400 otherwise. */
export function decodePageToken(token: string, types: readonly string[]): EverythingPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && (value.length === 1 || value.length === 2) && typeof value[0] === 'string' && types.includes(value[0])) {
    const cursor: unknown = value[1];
    if (cursor === undefined) return { type: value[0] };
    if (typeof cursor === 'string') return { type: value[0], cursor };
  }
  throw badRequest('_page_token is not a page of this $everything request', '_page_token');
}
