import type { Client } from '../../clients/client-repository.ts';
import { intersectScopes, parseScopes, scopeSyntaxProblem, type Scope } from '../../scopes/index.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * The scopes the user will be asked for: the requested ones the client may have. A client without a
 * `scope` list may ask for any scope; launch, OpenID Connect and refresh scopes are offered whenever asked.
 */
export function offeredScopes(requested: readonly Scope[], client: Client): Scope[] {
  if (client.scope === undefined) return intersectScopes(requested, requested);
  const clientScopes = parseScopes(Array.isArray(client.scope) ? client.scope.join(' ') : String(client.scope));
  const nonResource = requested.filter((s) => s.kind !== 'resource' && s.kind !== 'unknown');
  return intersectScopes(requested, [...clientScopes, ...nonResource]);
}

/** RFC 6749 §3.3: `invalid_scope` when the scope is malformed or nothing requested can be granted. */
export const resolveScopes: AuthorizeStep = {
  name: 'resolve-scopes',
  run(input, state, deps) {
    const client = established(state.client, 'client');
    const problem = scopeSyntaxProblem(input.params.values.scope ?? '');
    if (problem) return refuse(input, state, 'invalid_scope', problem);
    const requested = parseScopes(input.params.values.scope ?? '', deps.resourceTypes ? { resourceTypes: deps.resourceTypes } : {});
    if (requested.length === 0) return refuse(input, state, 'invalid_scope', 'scope is required');
    const offered = offeredScopes(requested, client);
    if (offered.length === 0) return refuse(input, state, 'invalid_scope', 'none of the requested scopes can be granted to this client');
    return { add: { offered } };
  },
};
