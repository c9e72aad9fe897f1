import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { clientSecretMatches, createClientSecrets } from '../../src/auth/clients/client-secret.ts';
import { createSecretCipher } from '../../src/auth/secrets/secret-cipher.ts';
import { accessTokenLifetime } from '../../src/auth/clients/token-lifetime.ts';
import { isRootClient } from '../../src/auth/root-client.ts';
import { secretsEqual } from '../../src/auth/secret-compare.ts';
import { hashPassword, verifyPassword } from '../../src/auth/users/password-hash.ts';

const basic = (value: string) => `Basic ${Buffer.from(value).toString('base64')}`;

describe('secrets and credentials', () => {
  it('secretsEqual compares whole values, whatever their lengths', () => {
    assert.equal(secretsEqual('quOfCRS7ty1RMUQq', 'quOfCRS7ty1RMUQq'), true);
    assert.equal(secretsEqual('quOfCRS7ty1RMUQ', 'quOfCRS7ty1RMUQq'), false);
    assert.equal(secretsEqual('', 'x'), false);
    assert.equal(secretsEqual('ä', 'a'), false);
  });

  it('clientSecretMatches: only a client whose stored (encrypted) secret is this one', () => {
    const secrets = createClientSecrets(createSecretCipher({ key: randomBytes(32) }), { onUnreadable: () => {} });
    const client = { id: 'c1', secret: secrets.seal('c1', 'abc') };
    assert.equal(clientSecretMatches(client, 'abc', secrets), true);
    assert.equal(clientSecretMatches(client, 'abd', secrets), false);
    assert.equal(clientSecretMatches({ id: 'c2', secret: client.secret }, 'abc', secrets), false, "another client's encrypted secret");
    assert.equal(clientSecretMatches({ id: 'c3', secret: 'abc' }, 'abc', secrets), false, 'a stored value that is not encrypted');
    assert.equal(clientSecretMatches({ id: 'c4' }, '', secrets), false, 'a client without a secret never matches');
    assert.equal(clientSecretMatches(undefined, '', secrets), false);
  });

  it('clientSecretMatches does the same work (one decryption) for a known client, an unknown one, and one without a secret', () => {
    const cipher = createSecretCipher({ key: randomBytes(32) });
    let opened = 0;
    const counting = { ...cipher, open: (sealed: string, context: string) => (opened++, cipher.open(sealed, context)) };
    const secrets = createClientSecrets(counting, { onUnreadable: () => {} });
    const known = { id: 'c1', secret: secrets.seal('c1', 'abc') };
    for (const [label, client, given] of [
      ['known, right secret', known, 'abc'],
      ['known, wrong secret', known, 'abd'],
      ['unknown client', undefined, 'abc'],
      ['no secret', { id: 'c2' }, 'abc'],
    ] as const) {
      opened = 0;
      clientSecretMatches(client, given, secrets);
      assert.equal(opened, 1, label);
    }
  });

  it('isRootClient checks both the id and the secret of a Basic header', () => {
    const root = { clientId: 'root', clientSecret: 's3cr:et' };
    assert.equal(isRootClient(basic('root:s3cr:et'), root), true, 'the secret may contain a colon');
    assert.equal(isRootClient(basic('root:wrong'), root), false);
    assert.equal(isRootClient(basic('admin:s3cr:et'), root), false);
    assert.equal(isRootClient(basic('root'), root), false);
    assert.equal(isRootClient(undefined, root), false);
    assert.equal(isRootClient('Bearer abc', root), false);
    assert.equal(isRootClient(basic(':'), { clientId: '', clientSecret: '' }), false, 'an unset root client admits nobody');
  });

  it('hashPassword: scrypt, self-describing, salted; verifyPassword accepts only the password', async () => {
    const hash = await hashPassword('correct horse battery');
    assert.match(hash, /^scrypt\$N=(\d+),r=8,p=1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    assert.ok(Number(/N=(\d+)/.exec(hash)?.[1]) >= 16384);
    assert.notEqual(await hashPassword('correct horse battery'), hash, 'a fresh salt each time');
    assert.equal(await verifyPassword('correct horse battery', hash), true);
    assert.equal(await verifyPassword('correct horse batterY', hash), false);
    assert.equal(await verifyPassword('correct horse battery', undefined), false);
    assert.equal(await verifyPassword('x', 'plain-text'), false);
    assert.equal(await verifyPassword('x', hash.replace(/N=\d+/, 'N=1073741824')), false, 'absurd parameters are refused');
  });

  it('accessTokenLifetime: the Client asks (seconds), the setting caps', () => {
    const client = (seconds?: number) => ({ auth: { authorization_code: { access_token_expiration: seconds } } });
    assert.equal(accessTokenLifetime(client(300), 'authorization_code', { maxLifetime: 3600 }), 300);
    assert.equal(accessTokenLifetime(client(3600000), 'authorization_code', { maxLifetime: 3600 }), 3600);
    assert.equal(accessTokenLifetime(client(), 'authorization_code', { maxLifetime: 3600, fallback: 300 }), 300);
    assert.equal(accessTokenLifetime(client(300), 'client_credentials', { maxLifetime: 3600 }), 3600);
  });
});
