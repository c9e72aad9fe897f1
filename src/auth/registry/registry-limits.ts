/**
 * Bounds on what one registry resource may hold. Every authorization request compares its redirect_uri
 * with all of a client's registered ones, so their number is bounded like any other input.
 */
export const MAX_REDIRECT_URIS = 100;
