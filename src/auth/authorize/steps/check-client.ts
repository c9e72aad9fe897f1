import type { AuthorizeStep } from '../authorize-step.ts';

/** The answer to an unknown or disabled client (also what a launch simulating `auth_invalid_client_id` gets). */
export const unknownClient = {
  kind: 'error-page',
  title: 'Unknown application',
  message: 'The application that sent you here is not registered with this server, or is disabled. Nothing was shared.',
} as const;

/** An active, registered client. Anything else is an error page: we cannot trust where to send the browser. */
export const checkClient: AuthorizeStep = {
  name: 'check-client',
  async run(input, _state, deps) {
    const clientId = input.params.values.client_id;
    if (!clientId) return { outcome: unknownClient };
    const client = await deps.clients.get(clientId);
    if (!client || client.active === false) return { outcome: unknownClient };
    return { add: { client } };
  },
};
