import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { createSigningKeys, type SigningKeys } from '../../src/auth/keys/signing-keys.ts';
import type { LockedSigningKeyStore, SigningKeyStore, StoredSigningKey } from '../../src/auth/keys/signing-key-store.ts';
import { LaunchError } from '../../src/auth/launch/launch-error.ts';
import { createLaunchToken, verifyLaunchToken } from '../../src/auth/launch/launch-token.ts';
import { buildLaunchUri } from '../../src/auth/launch/launch-uri.ts';

/** A verified launch's context and user; its jti and expiry (what makes it single-use) must be there too. */
async function verifiedContext(...args: Parameters<typeof verifyLaunchToken>) {
  const { jti, expiresAt, ...launch } = await verifyLaunchToken(...args);
  assert.equal(typeof jti, 'string');
  assert.ok(expiresAt instanceof Date);
  return launch;
}

const ISSUER = 'https://ehr.example.org';
const START = Date.parse('2026-03-01T12:00:00Z');

/** Real keys (jose-generated) kept in memory: the launch token is pure domain, no database needed. */
function memoryKeyStore(): SigningKeyStore {
  const rows: StoredSigningKey[] = [];
  const locked: LockedSigningKeyStore = {
    list: async () => rows.map(({ publicJwk: _p, privateJwk: _q, ...state }) => state),
    insert: async (key) => void rows.push({ ...key, retiredAt: undefined, seq: rows.length + 1 }),
    retire: async () => false,
  };
  return { list: locked.list, read: async (kids) => rows.filter((r) => kids.includes(r.kid)), locked: (fn) => fn(locked) };
}

function setup() {
  let clock = START;
  let ids = 0;
  const now = () => new Date(clock);
  const signingKeys: SigningKeys = createSigningKeys({ store: memoryKeyStore(), now, accessTokenAlg: 'ES384', retireAfterDays: 0 });
  const deps = { signingKeys, issuer: ISSUER, now, newId: () => `jti-${++ids}` };
  return { deps, signingKeys, advance: (seconds: number) => void (clock += seconds * 1000) };
}

const rejects = (promise: Promise<unknown>, message: RegExp) =>
  assert.rejects(promise, (err: unknown) => err instanceof LaunchError && message.test(err.message));

describe('EHR launch token', () => {
  it('round trip: the context, user and client come back; header and claims as SMART expects', async () => {
    const { deps } = setup();
    const fhirContext = [{ reference: 'Appointment/a1' }, { canonical: 'http://example.org/Questionnaire/q', type: 'Questionnaire' }];
    const token = await createLaunchToken({ client: 'app-1', user: 'u-7', patient: 'p-1', encounter: 'e-1', fhirContext }, deps);
    assert.deepEqual(await verifiedContext(token, 'app-1', deps), { patient: 'p-1', encounter: 'e-1', fhirContext, user: 'u-7' });

    const header = decodeProtectedHeader(token);
    assert.equal(header.typ, 'launch+jwt');
    assert.equal(header.alg, 'RS256');
    assert.equal(typeof header.kid, 'string');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, ISSUER);
    assert.equal(claims.client, 'app-1');
    assert.equal(claims.jti, 'jti-1');
    assert.equal(claims.exp, (claims.iat ?? 0) + 300);
    assert.deepEqual(claims.ctx, { patient: 'p-1', encounter: 'e-1', fhirContext });
  });

  it('a launch without context or user verifies to an empty context', async () => {
    const { deps } = setup();
    const token = await createLaunchToken({ client: 'app-1' }, { ...deps, lifetimeSeconds: 60 });
    assert.deepEqual(await verifiedContext(token, 'app-1', deps), {});
    const claims = decodeJwt(token);
    assert.equal(claims.exp, (claims.iat ?? 0) + 60);
  });

  it('expires after its lifetime', async () => {
    const { deps, advance } = setup();
    const token = await createLaunchToken({ client: 'app-1', patient: 'p-1' }, deps);
    advance(299);
    assert.deepEqual(await verifiedContext(token, 'app-1', deps), { patient: 'p-1' });
    advance(2);
    await rejects(verifyLaunchToken(token, 'app-1', deps), /expired/);
  });

  it('is bound to its client', async () => {
    const { deps } = setup();
    const token = await createLaunchToken({ client: 'app-1', patient: 'p-1' }, deps);
    await rejects(verifyLaunchToken(token, 'app-2', deps), /another application/);
  });

  it('a tampered payload or signature fails', async () => {
    const { deps } = setup();
    const token = await createLaunchToken({ client: 'app-1', patient: 'p-1' }, deps);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(token), ctx: { patient: 'p-2' } })).toString('base64url');
    await rejects(verifyLaunchToken(`${header}.${forged}.${signature}`, 'app-1', deps), /signature/);
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await rejects(verifyLaunchToken(`${header}.${payload}.${flipped}`, 'app-1', deps), /signature/);
    await rejects(verifyLaunchToken('not-a-jwt', 'app-1', deps), /well-formed/);
  });

  it('another server signing with its own keys is refused', async () => {
    const ours = setup();
    const theirs = setup();
    await ours.signingKeys.ensure();
    const token = await createLaunchToken({ client: 'app-1' }, theirs.deps);
    await rejects(verifyLaunchToken(token, 'app-1', ours.deps), /not signed by a key of this server/);
  });

  it('our key signing a token of another type, issuer or audience is refused', async () => {
    const { deps, signingKeys } = setup();
    const key = await signingKeys.signingKey('RS256');
    const sign = (typ: string, iss = ISSUER, aud = ISSUER) =>
      new SignJWT({ client: 'app-1', ctx: {} })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ })
        .setIssuer(iss)
        .setAudience(aud)
        .setJti('x')
        .setIssuedAt(START / 1000)
        .setExpirationTime(START / 1000 + 300)
        .sign(key.key);
    assert.deepEqual(await verifiedContext(await sign('launch+jwt'), 'app-1', deps), {});
    await rejects(verifyLaunchToken(await sign('at+jwt'), 'app-1', deps), /typ/);
    await rejects(verifyLaunchToken(await sign('JWT'), 'app-1', deps), /typ/);
    await rejects(verifyLaunchToken(await sign('launch+jwt', 'https://evil.example'), 'app-1', deps), /iss/);
    await rejects(verifyLaunchToken(await sign('launch+jwt', ISSUER, `${ISSUER}/fhir`), 'app-1', deps), /aud/);
  });
});

describe('launch URI', () => {
  it('appends iss and launch, keeping a registered query and fragment', () => {
    assert.equal(buildLaunchUri('https://app.example/launch', 'https://ehr/fhir', 'a.b.c'), 'https://app.example/launch?iss=https%3A%2F%2Fehr%2Ffhir&launch=a.b.c');
    assert.equal(buildLaunchUri('https://app.example/launch?x=1', 'https://ehr/fhir', 't'), 'https://app.example/launch?x=1&iss=https%3A%2F%2Fehr%2Ffhir&launch=t');
    assert.equal(buildLaunchUri('https://app.example/launch?', 'i', 't'), 'https://app.example/launch?iss=i&launch=t');
    assert.equal(buildLaunchUri('https://app.example/l#top', 'i', 't'), 'https://app.example/l?iss=i&launch=t#top');
  });
});
