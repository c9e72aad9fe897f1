import type { ClientAuthRequest } from './client-auth-method.ts';

/** What a client may send in the form to say who it is (RFC 6749 §2.3, RFC 7523 §2.2). */
const CLIENT_CREDENTIAL_FIELDS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'] as const;

/** Whether a request says anything of its client at all: an Authorization header or one of the form's client fields. */
export function presentsClientCredentials(request: ClientAuthRequest): boolean {
  return (request.authorization?.trim() ?? '') !== '' || CLIENT_CREDENTIAL_FIELDS.some((field) => request.form[field] !== undefined);
}
