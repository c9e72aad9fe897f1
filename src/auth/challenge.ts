import type { OAuthErrorCode } from './oauth-error.ts';

/** The protection space every challenge of this server names (RFC 9110 §11.5). */
export const REALM = 'portico';

/**
 * RFC 7617 §2: the HTTP Basic challenge, whose realm is required. `charset: 'UTF-8'` (§2.1, the only value it
 * allows) tells the client its user-id and password are read as UTF-8.
 */
export function basicChallenge(options: { charset?: 'UTF-8' } = {}): string {
  return `Basic ${parameters([['realm', REALM], ['charset', options.charset]])}`;
}

export interface BearerChallengeOptions {
  /** Whether to name the realm (RFC 6750 §3 makes it optional); named unless false. */
  realm?: boolean;
  /** RFC 6750 §3.1 defines `invalid_request`, `invalid_token` and `insufficient_scope` for it. */
  error?: OAuthErrorCode;
  description?: string;
  /** The scope needed (RFC 6750 §3), with `insufficient_scope`. */
  scope?: string;
}

/** RFC 6750 §3: the Bearer challenge; without `error` when no credentials were sent at all (§3.1). */
export function bearerChallenge(options: BearerChallengeOptions = {}): string {
  const list = parameters([
    ['realm', options.realm === false ? undefined : REALM],
    ['error', options.error],
    ['error_description', options.description],
    ['scope', options.scope],
  ]);
  return list ? `Bearer ${list}` : 'Bearer';
}

/**
 * `name="value", …` for the values given. Each value is a quoted-string holding only what RFC 6750 §3 allows in
 * `error_description` (%x20-21 / %x23-5B / %x5D-7E): anything else (a quote, a backslash, a control or non-ASCII
 * character) is dropped, so no value needs escaping, none ends its quotes early, and the header is always valid.
 */
function parameters(entries: readonly (readonly [string, string | undefined])[]): string {
  return entries
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}="${value.replace(/[^\x20-\x7E]|["\\]/g, '')}"`)
    .join(', ');
}
