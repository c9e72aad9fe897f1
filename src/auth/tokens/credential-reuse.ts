import { OAuthError } from '../oauth-error.ts';

/**
 * A spent authorization code (RFC 6749 §4.1.2) or refresh token (RFC 9700 §4.14.2) presented again: `invalid_grant`
 * to the client, and the grant it was exchanged for (by id) revoked and recorded as a reuse.
 */
export class CredentialReuse extends OAuthError {
  constructor(
    readonly reused: 'code' | 'refresh-token',
    readonly grantId: string,
    description: string,
  ) {
    super(400, 'invalid_grant', description);
    this.name = 'CredentialReuse';
  }
}
