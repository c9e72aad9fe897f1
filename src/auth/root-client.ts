import { parseBasicAuthorization } from './basic-credentials.ts';
import { secretsEqual } from './secret-compare.ts';

export interface RootClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * True when an `Authorization: Basic …` header value carries the configured root (admin) client's
 * id and secret. Both are compared in constant time, and both always, so a wrong id and a wrong
 * secret take the same time.
 */
export function isRootClient(authorization: string | undefined, root: RootClientCredentials): boolean {
  const credentials = parseBasicAuthorization(authorization);
  if (!credentials || !root.clientId || !root.clientSecret) return false;
  const idOk = secretsEqual(credentials.username, root.clientId);
  const secretOk = secretsEqual(credentials.password, root.clientSecret);
  return idOk && secretOk;
}
