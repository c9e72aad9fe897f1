import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSecretCipher, secretKeyId, SecretUnreadableError, type UnreadableReason } from '../../src/auth/secrets/secret-cipher.ts';

function unreadable(open: () => string, reason: UnreadableReason): SecretUnreadableError {
  try {
    open();
  } catch (err) {
    assert.ok(err instanceof SecretUnreadableError, String(err));
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail('expected the value not to open');
}

describe('secret cipher (AES-256-GCM, key id, context as additional data)', () => {
  const key = randomBytes(32);
  const cipher = createSecretCipher({ key });

  it('seals to v1.<key id>.<iv>.<ciphertext>.<tag> with a fresh IV each time, and opens it again', () => {
    const a = cipher.seal('the secret', 'Client/a');
    const b = cipher.seal('the secret', 'Client/a');
    assert.match(a, new RegExp(`^v1\\.${secretKeyId(key)}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{22}$`));
    assert.notEqual(a, b, 'a random 96-bit IV per value');
    assert.ok(!a.includes('the secret') && !Buffer.from(a.split('.')[3] ?? '', 'base64url').toString().includes('the secret'));
    assert.equal(cipher.open(a, 'Client/a'), 'the secret');
    assert.equal(cipher.open(cipher.seal('ünïcödé: 🔑', 'Client/a'), 'Client/a'), 'ünïcödé: 🔑');
    assert.equal(cipher.keyIdOf(a), secretKeyId(key));
    assert.equal(cipher.keyIdOf('the secret'), undefined, 'clear text');
  });

  it('does not open under another context (a value copied to another Client), altered, or under an unknown key', () => {
    const sealed = cipher.seal('the secret', 'Client/a');
    unreadable(() => cipher.open(sealed, 'Client/b'), 'not-authentic');
    const [v, id, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    unreadable(() => cipher.open([v, id, iv, flipped.toString('base64url'), tag].join('.'), 'Client/a'), 'not-authentic');
    unreadable(() => cipher.open([v, id, randomBytes(12).toString('base64url'), ciphertext, tag].join('.'), 'Client/a'), 'not-authentic');
    const other = createSecretCipher({ key: randomBytes(32) });
    const error = unreadable(() => other.open(sealed, 'Client/a'), 'unknown-key');
    assert.equal(error.keyId, secretKeyId(key));
    unreadable(() => cipher.open('the secret', 'Client/a'), 'not-sealed');
  });

  it('a previous key still opens what it sealed; new values are sealed under the current key', () => {
    const next = createSecretCipher({ key: randomBytes(32), previousKeys: [key] });
    const old = cipher.seal('old secret', 'Client/a');
    assert.equal(next.open(old, 'Client/a'), 'old secret');
    assert.notEqual(next.keyIdOf(next.seal('x', 'Client/a')), secretKeyId(key));
    assert.equal(next.keyIdOf(next.seal('x', 'Client/a')), next.keyId);
  });

  it('refuses keys that are not 32 bytes', () => {
    assert.throws(() => createSecretCipher({ key: randomBytes(16) }), /32 bytes/);
    assert.throws(() => createSecretCipher({ key: randomBytes(32), previousKeys: [randomBytes(31)] }), /32 bytes/);
  });
});
