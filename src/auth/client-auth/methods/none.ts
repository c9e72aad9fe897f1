import { isPublicClient } from '../../clients/client-kind.ts';
import type { ClientAuthMethod } from '../client-auth-method.ts';
import { findActiveClient } from '../client-lookup.ts';
import { invalidClient, invalidRequest } from '../../oauth-error.ts';

/**
 * `none`: a public client identifies itself with `client_id` alone (RFC 6749 §2.1, SMART "client-public").
 * A confidential client must not get away with only its id.
 */
export const noneMethod: ClientAuthMethod = {
  method: 'none',
  // The dispatcher falls back to it when no credentials are presented; it never competes with the others.
  presentedIn: () => false,
  async authenticate(request, deps) {
    const clientId = request.form.client_id;
    if (clientId === undefined || clientId === '') throw invalidRequest('client_id is required');
    const client = await findActiveClient(deps.clients, clientId);
    if (!client) throw invalidClient('unknown or inactive client');
    if (!isPublicClient(client)) throw invalidClient('this client is confidential and must authenticate (client_secret or client_assertion)');
    return { client, method: 'none' };
  },
};
