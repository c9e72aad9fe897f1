import { parseBasicAuthorization } from '../../basic-credentials.ts';
import type { ClientAuthMethod } from '../client-auth-method.ts';
import { invalidClient, invalidRequest } from '../../oauth-error.ts';
import { authenticateWithSecret } from './secret-client.ts';

/** `client_secret_basic` (RFC 6749 §2.3.1): id and secret in HTTP Basic, each form-urlencoded first. */
export const clientSecretBasicMethod: ClientAuthMethod = {
  method: 'client_secret_basic',
  presentedIn: (request) => /^basic(\s|$)/i.test(request.authorization?.trim() ?? ''),
  async authenticate(request, deps) {
    const credentials = parseBasicAuthorization(request.authorization?.trim());
    const clientId = credentials && formDecode(credentials.username);
    const secret = credentials && formDecode(credentials.password);
    if (clientId === undefined || secret === undefined) throw invalidClient('malformed Basic authorization header', { basic: true });
    // RFC 6749 §2.3: a client_id in the body must name the same client.
    const bodyId = request.form.client_id;
    if (bodyId !== undefined && bodyId !== clientId) throw invalidRequest('client_id in the body differs from the Basic username');
    return authenticateWithSecret(clientId, secret, 'client_secret_basic', deps);
  },
};

/** application/x-www-form-urlencoded decoding; undefined when the percent-encoding is broken. */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
