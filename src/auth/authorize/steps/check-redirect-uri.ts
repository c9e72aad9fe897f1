import type { Client } from '../../clients/client-repository.ts';
import { registrationOf } from '../../registration/client-mapping.ts';
import { established, type AuthorizeStep } from '../authorize-step.ts';
import { redirectUriMatches } from '../redirect-uris.ts';

/** The client's registered redirect URIs: its Client's own, and those of a dynamic registration. */
export function registeredRedirectUris(client: Client): string[] {
  const own = client.auth?.authorization_code?.redirect_uri;
  return [...(own ? [own] : []), ...(client.auth?.authorization_code?.redirect_uris ?? []), ...(registrationOf(client)?.redirect_uris ?? [])];
}

/**
 * redirect_uri must equal a registered one exactly (RFC 9700 §2.1, simple string comparison), but for the port
 * of a loopback URI registered without one (RFC 8252 §7.3); else an error page. The URI as requested is what
 * the code is bound to: the token request must repeat that very string (RFC 6749 §4.1.3).
 */
export const checkRedirectUri: AuthorizeStep = {
  name: 'check-redirect-uri',
  run(input, state) {
    const client = established(state.client, 'client');
    const redirectUri = input.params.values.redirect_uri;
    if (redirectUri && registeredRedirectUris(client).some((registered) => redirectUriMatches(registered, redirectUri))) return { add: { redirectUri } };
    return { outcome: unregisteredRedirectUri };
  },
};

/** The answer to a redirect_uri not registered (also what a launch simulating `auth_invalid_redirect_uri` gets). */
export const unregisteredRedirectUri = {
  kind: 'error-page',
  title: 'Invalid redirect address',
  message: 'The application asked to be answered at an address it has not registered with this server. Nothing was shared.',
} as const;
