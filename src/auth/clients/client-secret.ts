import { secretsEqual } from '../secret-compare.ts';
import { SecretUnreadableError, type SecretCipher, type UnreadableReason } from '../secrets/secret-cipher.ts';
import { randomToken } from '../../shared/random-token.ts';

/** A fresh client secret: 256 random bits, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomToken(32);
}

/** A stored secret that does not decrypt, as reported to whoever composed ClientSecrets (a log line). */
export interface UnreadableClientSecret {
  clientId: string;
  reason: UnreadableReason;
  /** The key id the stored value names (absent for a value that is not encrypted at all). */
  keyId?: string;
  message: string;
}

/** What a stored secret is: clear text (stored before secrets were encrypted), or encrypted under the current key or another one. */
export type StoredSecretForm = 'clear' | 'current-key' | 'other-key';

/**
 * Client secrets at rest. A Client's `secret` as stored, cached and passed around is always the
 * encrypted form, bound to the Client's id. The clear secret exists only where it is given (admin API,
 * registration, generated), compared (client authentication) and handed over (the root client's read by
 * id, the registration response, a rotation): nothing else can leak it.
 */
export interface ClientSecrets {
  /** The stored form of `secret` for Client `clientId`. */
  seal(clientId: string, secret: string): string;
  /** The clear secret of a stored value; throws SecretUnreadableError when no configured key opens it for this Client. */
  open(clientId: string, stored: string): string;
  /** The clear secret of a Client; undefined when it has none, or when it does not decrypt (then reported). */
  reveal(client: { id: string; secret?: string }): string | undefined;
  /** The same work as revealing a secret, for a check that has no secret to reveal. */
  decoy(): void;
  form(stored: string): StoredSecretForm;
  /** The id of the key secrets are encrypted under now. */
  readonly keyId: string;
}

export interface ClientSecretsOptions {
  /** Told about every stored secret that does not decrypt (the client cannot authenticate until it is fixed). */
  onUnreadable: (problem: UnreadableClientSecret) => void;
}

/** The additional authenticated data of a Client's secret: the Client it belongs to. */
const contextOf = (clientId: string) => `Client/${clientId}`;

export function createClientSecrets(cipher: SecretCipher, options: ClientSecretsOptions): ClientSecrets {
  // A stand-in as long as a generated secret: decrypting it costs what decrypting a real one does.
  const decoyContext = contextOf('');
  const decoy = cipher.seal('x'.repeat(43), decoyContext);
  const open = (clientId: string, stored: string) => cipher.open(stored, contextOf(clientId));
  return {
    keyId: cipher.keyId,
    seal: (clientId, secret) => cipher.seal(secret, contextOf(clientId)),
    open,
    reveal(client) {
      if (client.secret === undefined) return undefined;
      try {
        return open(client.id, client.secret);
      } catch (err) {
        if (!(err instanceof SecretUnreadableError)) throw err;
        options.onUnreadable({ clientId: client.id, reason: err.reason, ...(err.keyId !== undefined ? { keyId: err.keyId } : {}), message: err.message });
        return undefined;
      }
    },
    decoy() {
      cipher.open(decoy, decoyContext);
    },
    form(stored) {
      const keyId = cipher.keyIdOf(stored);
      return keyId === undefined ? 'clear' : keyId === cipher.keyId ? 'current-key' : 'other-key';
    },
  };
}

/**
 * The token endpoint's (and admin API's) secret check: the stored secret decrypted, then compared in
 * constant time; and the same work whether or not the client exists or has a secret (a stand-in is
 * decrypted instead), so timing reveals neither. A secret that does not decrypt never matches.
 */
export function clientSecretMatches(client: { id: string; secret?: string } | undefined, given: string, secrets: ClientSecrets): boolean {
  let expected: string | undefined;
  if (client?.secret !== undefined) expected = secrets.reveal(client);
  else secrets.decoy();
  const ok = secretsEqual(given, expected ?? '');
  return ok && expected !== undefined && expected !== '';
}
