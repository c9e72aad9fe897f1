import type { Client } from '../../clients/client-repository.ts';
import { registrationOf } from '../../registration/client-mapping.ts';
import { established, type AuthorizeStep } from '../authorize-step.ts';

/** The client's registered redirect URIs: its Client's own, and those of a dynamic registration. */
export function registeredRedirectUris(client: Client): string[] {
  const own = client.auth?.authorization_code?.redirect_uri;
  return [...(own ? [own] : []), ...(registrationOf(client)?.redirect_uris ?? [])];
}

/** redirect_uri must equal a registered one exactly (RFC 9700 §2.1, simple string comparison); else an error page. */
export const checkRedirectUri: AuthorizeStep = {
  name: 'check-redirect-uri',
  run(input, state) {
    const client = established(state.client, 'client');
    const redirectUri = input.params.values.redirect_uri;
    if (redirectUri && registeredRedirectUris(client).includes(redirectUri)) return { add: { redirectUri } };
    return {
      outcome: {
        kind: 'error-page',
        title: 'Invalid redirect address',
        message: 'The application asked to be answered at an address it has not registered with this server. Nothing was shared.',
      },
    };
  },
};
