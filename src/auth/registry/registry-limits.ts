/**
 * Bounds on what one registry resource may hold. Every authorization request compares its redirect_uri
 * with all of a client's registered ones, so their number is bounded like any other input.
 */
export const MAX_REDIRECT_URIS = 100;
/**
 * Longest string a dynamic registration may store in one metadata member, or one element of a list member
 * (redirect and other URIs, names, ids, versions, contacts): far above any real one. The body itself is capped
 * at the admin API's limit.
 */
export const MAX_METADATA_STRING = 2000;
/** Longest registered `scope`: a read and a write scope for each of R4's resource types (about 7,300) fit. */
export const MAX_METADATA_SCOPE = 8000;
/** Longest `client_name`: it is shown on the consent page. */
export const MAX_CLIENT_NAME = 256;
