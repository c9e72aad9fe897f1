/**
 * What a policy sees of a request. Keys are the ones `matcho` patterns use; values are plain JSON.
 * Never put secrets here (client secrets, password hashes, tokens).
 */
export interface PolicyRequestContext {
  method: string;
  /** Path without the query, e.g. `/Client/abc`. */
  uri: string;
  /** Query parameters; repeated ones as arrays. */
  params: Record<string, string | string[]>;
  client?: { id: string; [key: string]: unknown };
  user?: { id: string; [key: string]: unknown };
  /** The interaction, e.g. `{ id: 'Client.update' }`. */
  operation?: { id: string };
  [key: string]: unknown;
}
