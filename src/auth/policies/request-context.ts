/**
 * What a policy sees of a request. Keys are the ones `matcho` patterns use; values are plain JSON.
 * Never put secrets here (client secrets, password hashes, tokens).
 *
 * Admin API: `uri` like `/Client/abc`, `operation.id` like `Client.update`, and the caller as `client` or `user`.
 * FHIR API (tokens with user/ or system/ scopes, see src/auth/access/policy-gate.ts): `uri` like
 * `/fhir/Observation/123`, `method` the interaction's REST verb, `operation.id` like `fhir.read` or
 * `fhir.search-type`, `interaction`, `resourceType`, the token's `client` and `user` (without secrets),
 * `patient` and `fhirUser` when the token has them; `params` is empty (decisions are per interaction and type).
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
