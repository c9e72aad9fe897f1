import type { ClientAuthMethod } from '../client-auth-method.ts';
import { invalidRequest } from '../../oauth-error.ts';
import { authenticateWithSecret } from './secret-client.ts';

/** `client_secret_post` (RFC 6749 §2.3.1): `client_id` and `client_secret` in the form body. */
export const clientSecretPostMethod: ClientAuthMethod = {
  method: 'client_secret_post',
  presentedIn: (request) => request.form.client_secret !== undefined,
  async authenticate(request, deps) {
    const clientId = request.form.client_id;
    const secret = request.form.client_secret ?? '';
    if (clientId === undefined || clientId === '') throw invalidRequest('client_id is required with client_secret');
    return authenticateWithSecret(clientId, secret, 'client_secret_post', deps);
  },
};
