import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientSecretMatches } from '../../src/auth/clients/client-secret.ts';
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

  it('clientSecretMatches: only a client that has this secret', () => {
    assert.equal(clientSecretMatches({ secret: 'abc' }, 'abc'), true);
    assert.equal(clientSecretMatches({ secret: 'abc' }, 'abd'), false);
    assert.equal(clientSecretMatches({}, ''), false, 'a client without a secret never matches');
    assert.equal(clientSecretMatches(undefined, ''), false);
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
