import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import type { AccessTokenClaims } from '../../src/auth/grants/grant.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const OBS_CAT = 'http://terminology.hl7.org/CodeSystem/observation-category';
const LAB = `patient/Observation.rs?category=${OBS_CAT}|laboratory`;

type Claims = Partial<AccessTokenClaims> & Record<string, unknown>;

const observation = (id: string, subject: string, category: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  category: [{ coding: [{ system: OBS_CAT, code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: `Patient/${subject}` },
  ...extra,
});

/** The entries of a search answer in `mode`; the answer must be a searchset, so a refusal or a 500 never reads as no results. */
const ids = (res: FhirReply, mode = 'match'): string[] => {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.resourceType, 'Bundle', res.text);
  assert.equal(res.body.type, 'searchset', res.text);
  return (res.body.entry ?? [])
    .filter((e: { search?: { mode: string } }) => e.search?.mode === mode)
    .map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`)
    .sort();
};

/** A GET whose path is sent exactly as written: no URL parser between the test and the server. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { accept: 'application/fhir+json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

for (const driver of drivers) {
  describe(`FHIR API authorization (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let grantSeq = 0;

    /** An access token as the token endpoint issues it (AccessTokenClaims), its grant stored and active. */
    async function token(scope: string, claims: Claims = {}): Promise<string> {
      const grant = `grant-${++grantSeq}`;
      await portico.grants.save({ id: grant, clientId: 'app', scope, ...(claims.patient ? { patient: claims.patient } : {}) }, new Date());
      const key = await portico.signingKeys.signingKey(portico.signingKeys.accessTokenAlg);
      const now = Math.floor(Date.now() / 1000);
      const body: Claims = {
        iss: TEST_BASE_URL, sub: 'user-1', aud: FHIR_BASE, client_id: 'app', scope, grant, jti: `jti-${grantSeq}`, iat: now, exp: now + 600,
        ...claims,
      };
      return new SignJWT(body).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' }).sign(key.key);
    }
    const as = async (scope: string, claims: Claims = {}) => fhirClient(portico.app, `Bearer ${await token(scope, claims)}`);
    const patientA = (scope: string) => as(`launch/patient ${scope}`, { patient: 'pa' });

    before(async () => {
      portico = await startPortico(driver);
      root = fhirClient(portico.app);
      // The tokens below are the client `app`'s; its user/ and system/ scopes act within an AccessPolicy.
      const admin = adminHttp(portico.app);
      assert.equal((await admin('PUT', '/Client/app', { body: { secret: 'app-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
      assert.equal((await admin('PUT', '/AccessPolicy/app-allow', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'app' }] } })).status, 201);
      for (const resource of [
        { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] },
        { resourceType: 'Patient', id: 'pb', name: [{ family: 'Beta' }] },
        { resourceType: 'Practitioner', id: 'doc', name: [{ family: 'Doc' }] },
        observation('oa-lab', 'pa', 'laboratory', { performer: [{ reference: 'Practitioner/doc' }] }),
        observation('oa-vital', 'pa', 'vital-signs'),
        observation('oa-focb', 'pa', 'laboratory', { focus: [{ reference: 'Patient/pb' }] }),
        observation('ob-lab', 'pb', 'laboratory'),
        observation('ob-foca', 'pb', 'laboratory', { focus: [{ reference: 'Patient/pa' }] }),
        { resourceType: 'Condition', id: 'ca', subject: { reference: 'Patient/pa' } },
      ]) {
        const res = await root.put(`${resource.resourceType}/${resource.id}`, resource);
        assert.ok(res.status === 201 || res.status === 200, res.text);
      }
    });
    after(() => portico.stop());

    describe('authentication', () => {
      const unauthorized = (res: FhirReply, error: string | undefined) => {
        assert.equal(res.status, 401, res.text);
        assert.equal(res.body.resourceType, 'OperationOutcome');
        const challenge = String(res.headers['www-authenticate']);
        assert.match(challenge, /^Bearer realm="portico"/);
        if (error) assert.match(challenge, new RegExp(`error="${error}", error_description="[^"]+"`));
        else assert.doesNotMatch(challenge, /error=/);
      };

      it('refuses a request without credentials with a bare Bearer challenge, CORS kept', async () => {
        const res = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/pa', headers: { origin: 'https://app.example.org' } });
        assert.equal(res.headers['access-control-allow-origin'], '*');
        unauthorized({ status: res.statusCode, headers: res.headers, body: res.json(), text: res.body }, undefined);
        assert.equal(res.json().issue[0].code, 'login');
        unauthorized(await fhirClient(portico.app, null).post('Patient', { resourceType: 'Patient' }), undefined);
        unauthorized(await fhirClient(portico.app, null).get('Observation?patient=pa'), undefined);
      });

      it('refuses malformed credentials', async () => {
        for (const header of ['Bearer', 'Bearer a b', 'Token abc', 'Basic Zm9vOmJhcg==']) {
          const res = await fhirClient(portico.app, header).get('Patient/pa');
          assert.equal(res.status, 401, header);
        }
        unauthorized(await fhirClient(portico.app, 'Bearer not-a-jwt').get('Patient/pa'), 'invalid_token');
      });

      it('refuses alg none, a foreign key, expiry, another audience or issuer, a missing typ', async () => {
        const good = await token('patient/*.rs', { patient: 'pa' });
        const [header, payload] = good.split('.');
        const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
        unauthorized(await fhirClient(portico.app, `Bearer ${unsigned}`).get('Patient/pa'), 'invalid_token');

        const kid = JSON.parse(Buffer.from(header ?? '', 'base64url').toString()).kid;
        const { privateKey } = await generateKeyPair(portico.signingKeys.accessTokenAlg);
        const now = Math.floor(Date.now() / 1000);
        const forged = await new SignJWT(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()))
          .setProtectedHeader({ alg: portico.signingKeys.accessTokenAlg, kid, typ: 'at+jwt' })
          .sign(privateKey);
        unauthorized(await fhirClient(portico.app, `Bearer ${forged}`).get('Patient/pa'), 'invalid_token');

        for (const claims of [{ exp: now - 10, iat: now - 700 }, { aud: 'https://other.example/fhir' }, { iss: 'https://evil.example' }]) {
          const res = await fhirClient(portico.app, `Bearer ${await token('patient/*.rs', { patient: 'pa', ...claims })}`).get('Patient/pa');
          unauthorized(res, 'invalid_token');
        }
        // The control: the same token unchanged works.
        assert.equal((await fhirClient(portico.app, `Bearer ${good}`).get('Patient/pa')).status, 200);
      });

      it('refuses a token whose grant was revoked, at once', async () => {
        const bearer = await token('patient/*.rs', { patient: 'pa' });
        const client = fhirClient(portico.app, `Bearer ${bearer}`);
        assert.equal((await client.get('Patient/pa')).status, 200);
        const grant = JSON.parse(Buffer.from(bearer.split('.')[1] ?? '', 'base64url').toString()).grant;
        await portico.grants.revoke(grant, new Date());
        unauthorized(await client.get('Patient/pa'), 'invalid_token');
      });

      it('keeps metadata and discovery open; the root client has full access', async () => {
        const open = fhirClient(portico.app, null);
        assert.equal((await open.get('metadata')).status, 200);
        const wellKnown = await portico.app.inject({ method: 'GET', url: '/fhir/.well-known/smart-configuration' });
        assert.equal(wellKnown.statusCode, 200);
        assert.equal((await root.get('Observation?_count=100')).body.entry.length, 5);
        assert.equal((await root.get('_history')).status, 200);
      });

      it('an open path with dot segments that lead elsewhere is not open: the path is decided as the route reads it', async () => {
        // Sent as raw bytes over a socket (inject would normalise the URL before Portico saw it).
        await portico.app.listen({ host: '127.0.0.1', port: 0 });
        const { port } = portico.app.server.address() as AddressInfo;
        const bearer = `Bearer ${await token('launch/patient patient/Observation.rs', { patient: 'pa' })}`;
        for (const path of ['/fhir/metadata/../Observation/oa-lab', '/fhir/.well-known/%2e%2e/Observation/oa-lab', '/fhir/.well-known/%2E%2E/Observation/oa-lab']) {
          const allowed = await rawGet(port, path, { authorization: bearer });
          assert.equal(allowed.status, 200, `${path} with a token: ${allowed.body}`);
          assert.equal(JSON.parse(allowed.body).id, 'oa-lab');
          const bare = await rawGet(port, path, {});
          assert.equal(bare.status, 401, `${path} without credentials: ${bare.body}`);
          assert.match(String(bare.headers['www-authenticate']), /^Bearer/);
        }
      });
    });

    describe('scopes', () => {
      it('an ungranted type is 403 on search and read, never an empty 200', async () => {
        const client = await patientA('patient/Observation.rs');
        for (const path of ['Condition?patient=pa', 'Condition/ca', 'Condition?patient=nobody']) {
          const res = await client.get(path);
          assert.equal(res.status, 403, path);
          assert.equal(res.body.resourceType, 'OperationOutcome');
          assert.equal(res.body.issue[0].code, 'forbidden');
          assert.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/);
        }
      });

      it('read-only scopes cannot write; .s without .r cannot read', async () => {
        const client = await patientA('patient/Observation.rs');
        assert.equal((await client.post('Observation', observation('x1', 'pa', 'laboratory'))).status, 403);
        assert.equal((await client.put('Observation/oa-lab', observation('oa-lab', 'pa', 'laboratory'))).status, 403);
        assert.equal((await client.delete('Observation/oa-lab')).status, 403);
        const searchOnly = await patientA('patient/Observation.s');
        assert.equal((await searchOnly.get('Observation?patient=pa')).status, 200);
        assert.equal((await searchOnly.get('Observation/oa-lab')).status, 403);
      });

      it('v1 scopes: read is rs, write does not read', async () => {
        const v1 = await patientA('patient/Observation.read');
        assert.deepEqual(ids(await v1.get('Observation')), ['Observation/oa-focb', 'Observation/oa-lab', 'Observation/oa-vital']);
        assert.equal((await v1.post('Observation', observation('x2', 'pa', 'laboratory'))).status, 403);
        const write = await patientA('patient/Observation.write');
        assert.equal((await write.get('Observation/oa-lab')).status, 403);
      });

      it('user/ and system/ scopes are not confined to a compartment', async () => {
        const client = await as('user/Observation.rs');
        assert.equal(ids(await client.get('Observation?_count=100')).length, 5);
        assert.equal((await client.get('Observation/ob-lab')).status, 200);
        assert.equal((await client.get('Patient/pb')).status, 403);
      });

      it('granular scopes filter search and deny reads outside them', async () => {
        const client = await patientA(LAB);
        assert.deepEqual(ids(await client.get('Observation?patient=pa')), ['Observation/oa-focb', 'Observation/oa-lab']);
        assert.deepEqual(ids(await client.get(`Observation?patient=pa&category=${OBS_CAT}|vital-signs`)), []);
        assert.equal((await client.get('Observation/oa-lab')).status, 200);
        // Outside the granted category: not there for this token (catalogue J6).
        const outside = await client.get('Observation/oa-vital');
        assert.equal(outside.status, 404);
        assert.equal(outside.body.resourceType, 'OperationOutcome');
        // Two granular scopes of one type combine with OR.
        const both = await patientA(`${LAB} patient/Observation.rs?category=${OBS_CAT}|vital-signs`);
        assert.equal(ids(await both.get('Observation')).length, 3);
        const counted = await client.get('Observation?_total=accurate');
        assert.equal(counted.body.total, 2);
      });

      it('batch entries are decided one by one; a transaction fails as a whole', async () => {
        const client = await patientA('patient/Observation.cruds');
        const batch = await client.post('', {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ request: { method: 'GET', url: 'Observation/oa-lab' } }, { request: { method: 'GET', url: 'Condition/ca' } }, { request: { method: 'GET', url: 'Observation/ob-lab' } }],
        });
        assert.equal(batch.status, 200, batch.text);
        assert.deepEqual(batch.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)), ['200', '403', '404']);
        const tx = await client.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { request: { method: 'PUT', url: 'Observation/tx-1' }, resource: observation('tx-1', 'pa', 'laboratory') },
            { request: { method: 'PUT', url: 'Condition/tx-2' }, resource: { resourceType: 'Condition', id: 'tx-2', subject: { reference: 'Patient/pa' } } },
          ],
        });
        assert.equal(tx.status, 403, tx.text);
        assert.equal((await root.get('Observation/tx-1')).status, 404);
      });

      it('explains decisions in sandbox mode', async () => {
        const client = await patientA(LAB);
        const allowed = await client.get('Observation?_explain=true');
        assert.equal(allowed.status, 200);
        assert.match(allowed.body.issue[0].diagnostics, /^allowed: .*laboratory/);
        const denied = await client.get('Condition?_explain=true');
        assert.match(denied.body.issue[0].diagnostics, /^denied: no granted scope covers Condition/);
      });
    });

    describe('patient compartment', () => {
      it('reads and searches stay inside the patient compartment', async () => {
        const client = await patientA('patient/*.rs');
        assert.equal((await client.get('Patient/pa')).status, 200);
        // Another patient's resources are not there for this token (catalogue K1: 404, not 403).
        assert.equal((await client.get('Patient/pb')).status, 404);
        assert.equal((await client.get('Observation/ob-lab')).status, 404);
        assert.equal((await client.get('Observation/ob-lab/_history/1')).status, 404);
        assert.deepEqual(ids(await client.get('Patient')), ['Patient/pa']);
        for (const path of ['Observation?patient=pb', 'Observation?subject=Patient/pb', 'Observation?_id=ob-lab', 'Patient?_id=pb', 'Observation?subject:Patient.name=Beta', 'Observation?patient.name=Beta']) {
          assert.deepEqual(ids(await client.get(path)), [], path);
        }
        assert.deepEqual(ids(await client.get('Observation?_id=oa-lab,ob-lab')), ['Observation/oa-lab']);
        // Types patient apps read by reference (the performer) stay readable.
        assert.equal((await client.get('Practitioner/doc')).status, 200);
      });

      it("another patient's resources read as never there: the same 404 as an unknown id, no ETag, deleted ones too (catalogue K1)", async () => {
        const client = await patientA('patient/*.rs');
        const body = (res: FhirReply) => JSON.stringify(res.body).replaceAll('ob-lab', 'ID').replaceAll('no-such-obs', 'ID');
        const outside = await client.get('Observation/ob-lab');
        const unknown = await client.get('Observation/no-such-obs');
        assert.equal(outside.status, 404);
        assert.equal(unknown.status, 404);
        assert.equal(body(outside), body(unknown));
        assert.equal(outside.headers.etag, undefined);
        assert.equal(outside.headers['last-modified'], undefined);
        assert.doesNotMatch(outside.text, /Beta|pb/);
        // A deletion of another patient's resource: 410 would say it existed.
        assert.equal((await root.put('Observation/ob-gone', observation('ob-gone', 'pb', 'laboratory'))).status, 201);
        assert.equal((await root.delete('Observation/ob-gone')).status, 204);
        assert.equal((await root.get('Observation/ob-gone')).status, 410);
        assert.equal((await client.get('Observation/ob-gone')).status, 404);
        assert.equal((await client.get('Observation/ob-gone/_history/2')).status, 404);
        assert.equal((await client.get('Observation/ob-gone/_history')).status, 404);
        // Its own resources still read; writing over another patient's stays refused.
        assert.equal((await client.get('Observation/oa-lab')).status, 200);
        const writer = await patientA('patient/Observation.cruds');
        assert.equal((await writer.put('Observation/ob-lab', observation('ob-lab', 'pa', 'laboratory'))).status, 403);
        assert.equal((await root.get('Observation/ob-lab')).body.subject.reference, 'Patient/pb');
      });

      it('_include and _revinclude cannot reach another patient', async () => {
        const client = await patientA('patient/*.rs');
        const inc = await client.get('Observation?patient=pa&_include=Observation:focus&_include=Observation:performer');
        assert.deepEqual(ids(inc), ['Observation/oa-focb', 'Observation/oa-lab', 'Observation/oa-vital']);
        assert.deepEqual(ids(inc, 'include'), ['Practitioner/doc']);
        const rev = await client.get('Patient?_id=pa&_revinclude=Observation:focus');
        assert.deepEqual(ids(rev, 'include'), []);
        // Every reference parameter of Observation: A's Observations, never B's ob-foca, though it points at A.
        const all = await client.get('Patient?_revinclude=Observation:*');
        assert.deepEqual(ids(all, 'include'), ['Observation/oa-focb', 'Observation/oa-lab', 'Observation/oa-vital']);
        assert.deepEqual(ids(await root.get('Patient?_id=pa&_revinclude=Observation:*'), 'include'), ['Observation/oa-focb', 'Observation/oa-lab', 'Observation/oa-vital', 'Observation/ob-foca']);
        // Root sees what was withheld.
        assert.deepEqual(ids(await root.get('Patient?_id=pa&_revinclude=Observation:focus'), 'include'), ['Observation/ob-foca']);
      });

      it('granular scopes also filter includes', async () => {
        const client = await patientA(`patient/Patient.rs ${LAB}`);
        const rev = await client.get('Patient?_id=pa&_revinclude=Observation:subject');
        assert.deepEqual(ids(rev, 'include'), ['Observation/oa-focb', 'Observation/oa-lab']);
      });

      it('history stays inside the compartment; system history is refused', async () => {
        const client = await patientA('patient/*.rs');
        assert.equal((await client.get('Observation/oa-lab/_history')).status, 200);
        assert.equal((await client.get('Observation/ob-lab/_history')).status, 404);
        const typeHistory = await client.get('Observation/_history');
        assert.equal(typeHistory.status, 200);
        const seen = typeHistory.body.entry.map((e: { fullUrl: string }) => e.fullUrl.replace(`${FHIR_BASE}/`, ''));
        assert.ok(seen.length > 0 && seen.every((u: string) => u.startsWith('Observation/oa-')), seen.join());
        assert.equal((await client.get('_history')).status, 403);
        assert.equal((await client.get('?_type=Observation')).status, 403);
      });

      it('writes must stay in the compartment, before and after', async () => {
        const client = await patientA('patient/Observation.cruds');
        assert.equal((await client.post('Observation', observation('w1', 'pb', 'laboratory'))).status, 403);
        assert.equal((await client.post('Observation', { ...observation('w2', 'pa', 'laboratory'), subject: undefined })).status, 403);
        const created = await client.post('Observation', observation('w3', 'pa', 'laboratory'));
        assert.equal(created.status, 201, created.text);
        const id = created.body.id;
        assert.equal((await client.put(`Observation/${id}`, { ...observation(id, 'pb', 'laboratory') })).status, 403);
        assert.equal((await client.put('Observation/ob-lab', observation('ob-lab', 'pa', 'laboratory'))).status, 403);
        assert.equal((await client.delete('Observation/ob-lab')).status, 403);
        assert.equal((await client.delete('Observation?_id=ob-lab')).status, 204); // conditional: finds nothing in A's compartment
        assert.equal((await root.get('Observation/ob-lab')).body.subject.reference, 'Patient/pb');
        assert.equal((await client.delete(`Observation/${id}`)).status, 204);
      });

      it('fails closed when a patient/ token carries no patient', async () => {
        const client = await as('patient/*.rs');
        assert.equal((await client.get('Observation')).status, 403);
        assert.equal((await client.get('Patient/pa')).status, 403);
      });

      // Last: the Observations it creates in A's compartment would change the counts above.
      it("a transaction's conditional references and conditional creates match only what the token reaches", async () => {
        const client = await patientA('patient/*.cruds');
        const txWithSubject = (reference: string) => client.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: observation('tx-ref', 'pa', 'laboratory', { subject: { reference } }), request: { method: 'POST', url: 'Observation' } }],
        });
        // Patient B exists but is outside the token: the same answer as a patient that does not exist.
        const other = await txWithSubject('Patient?name=Beta');
        const nobody = await txWithSubject('Patient?name=Nobody');
        assert.equal(other.status, 400, other.text);
        assert.equal(nobody.status, 400, nobody.text);
        assert.equal(other.body.issue[0].code, nobody.body.issue[0].code);
        assert.equal(other.body.issue[0].code, 'not-found');
        // The token's own patient resolves.
        const own = await txWithSubject('Patient?name=Alpha');
        assert.equal(own.status, 200, own.text);
        assert.equal(own.body.entry[0].resource.subject.reference, 'Patient/pa');
        // A conditional create whose criteria match only another patient's resource creates, and references
        // to it point at what it created, never at that resource.
        const created = await client.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { fullUrl: 'urn:uuid:first', resource: observation('tx-first', 'pa', 'laboratory'), request: { method: 'POST', url: 'Observation', ifNoneExist: '_id=ob-lab' } },
            { resource: observation('tx-second', 'pa', 'laboratory', { focus: [{ reference: 'urn:uuid:first' }] }), request: { method: 'POST', url: 'Observation' } },
          ],
        });
        assert.equal(created.status, 200, created.text);
        const [first, second] = created.body.entry;
        assert.equal(first.response.status, '201 Created');
        assert.notEqual(first.resource.id, 'ob-lab');
        assert.equal(second.resource.focus[0].reference, `Observation/${first.resource.id}`);
      });
    });
  });
}
