import type { ClientAuthMethod, ClientAuthMethodName } from './client-auth-method.ts';
import { clientSecretBasicMethod } from './methods/client-secret-basic.ts';
import { clientSecretPostMethod } from './methods/client-secret-post.ts';
import { noneMethod } from './methods/none.ts';
import { privateKeyJwtMethod } from './methods/private-key-jwt.ts';

/** Every supported token endpoint authentication method, by name. */
export const CLIENT_AUTH_METHODS: Readonly<Record<ClientAuthMethodName, ClientAuthMethod>> = {
  none: noneMethod,
  client_secret_basic: clientSecretBasicMethod,
  client_secret_post: clientSecretPostMethod,
  private_key_jwt: privateKeyJwtMethod,
};
