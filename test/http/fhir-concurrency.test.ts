import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';
import { basic } from '../auth/support/admin-http.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { putAdmin } from './launch-flow-support.ts';
import { track } from '../support/track.ts';

/**
 * FHIR_MAX_CONCURRENT and FHIR_MAX_QUEUE: the FHIR API works on a bounded number of requests at once, lets a
 * bounded number wait, and refuses the rest at once with 503 transient and Retry-After; the authorization
 * server is not bound by them.
 */

const BACKEND = { id: 'gate-backend', secret: 'gate-backend-secret-1' };
const BACKEND_CLIENT = { resourceType: 'Client', type: 'client', active: true, grant_types: ['client_credentials'], secret: BACKEND.secret, scope: ['system/Patient.rs'] };

function tokenRequest(app: FastifyInstance) {
  return app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { authorization: basic(BACKEND.id, BACKEND.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&scope=system%2FPatient.rs',
  });
}

function assertRefused(res: FhirReply): void {
  assert.equal(res.status, 503, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].severity, 'error');
  assert.equal(res.body.issue[0].code, 'transient');
  assert.equal(res.headers['retry-after'], '1');
}

/**
 * Holds the next statement any request sends (once armed) until released: a FHIR request standing for a
 * slow search, kept in flight by the test. Only one statement is held; every later one runs.
 */
function statementHolder() {
  let armed: { reached: () => void; open: Promise<void> } | undefined;
  let release = () => {};
  let stillHeld = false;
  const hold = async () => {
    const mine = armed;
    armed = undefined;
    if (!mine) return;
    mine.reached();
    stillHeld = true;
    await mine.open;
    stillHeld = false;
  };
  const wrap = (db: Database): Database => ({
    ...db,
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      await hold();
      return db.query<R>(text, params);
    },
    async transaction(fn) {
      await hold();
      return db.transaction(fn);
    },
  });
  /** Runs `request` held at its first statement; resolves once it is held, with its answer and the release. */
  async function holding<T>(request: () => Promise<T>) {
    let reached!: () => void;
    const isHeld = new Promise<void>((resolve) => (reached = resolve));
    const open = new Promise<void>((resolve) => (release = resolve));
    armed = { reached, open };
    const answer = track(request());
    await isHeld;
    return { answer, release: () => release() };
  }
  return { wrap, holding, release: () => release(), isHolding: () => stillHeld };
}

for (const driver of drivers) {
  describe(`FHIR concurrency limit (${driver})`, () => {
    const holder = statementHolder();
    let portico: TestPortico;
    let fhir: FhirClient;
    let watchdog: NodeJS.Timeout | undefined;
    before(async () => {
      portico = await startPortico(driver, { FHIR_MAX_CONCURRENT: '1', FHIR_MAX_QUEUE: '1', BULK_EXPORT_WORKER: 'false' }, { wrapDatabase: holder.wrap });
      fhir = fhirClient(portico.app);
      await putAdmin(portico.app, `/Client/${BACKEND.id}`, BACKEND_CLIENT);
      assert.equal((await fhir.put('Patient/gate-p1', { resourceType: 'Patient', id: 'gate-p1' })).status, 201);
      // Without the behaviour under test a request would wait on the held one for ever: let it go eventually.
      watchdog = setInterval(() => holder.release(), 20_000);
    });
    after(async () => {
      clearInterval(watchdog);
      holder.release();
      await portico.stop();
    });

    /** Takes the one place (a read held at its first statement) and the one place in the queue (a search). */
    async function fillPlaceAndQueue() {
      const held = await holder.holding(() => fhir.get('Patient/gate-p1'));
      // The second takes the one place in the queue: it waits, it is not refused.
      const queued = track(fhir.get('Patient?_id=gate-p1'));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(queued.settled, false, 'the second request waits for the first');
      return { held, queued };
    }

    it('with one FHIR request in flight and one waiting, the next is refused at once (503 transient, Retry-After) while tokens are issued', async () => {
      const { held, queued } = await fillPlaceAndQueue();
      try {
        assertRefused(await fhir.get('Patient/gate-p1'));
        assertRefused(await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Refused' }] }));

        const token = await tokenRequest(portico.app);
        assert.equal(token.statusCode, 200, token.body);
        assert.equal(typeof token.json().access_token, 'string');

        assert.equal(held.answer.settled, false, 'the first request is still held');
        held.release();
        assert.equal((await held.answer.promise).status, 200);
        const second = await queued.promise;
        assert.equal(second.status, 200, second.text);
        assert.equal(second.body.total, 1);
        assert.equal((await fhir.get('Patient/gate-p1')).status, 200, 'served again once there is room');
      } finally {
        held.release();
      }
      const refused = await fhir.get('Patient?family=Refused');
      assert.equal(refused.body.total, 0, 'the refused create wrote nothing');
    });

    it('with every place and the queue taken, a request without (or with malformed) credentials is answered 401 at once: it takes no place', async () => {
      const { held, queued } = await fillPlaceAndQueue();
      try {
        // The same read with credentials is refused as busy: there is no place for it.
        assertRefused(await fhir.get('Patient/gate-p1'));
        for (const authorization of [undefined, 'Bearer', 'Token abc']) {
          const res = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/gate-p1', headers: authorization ? { authorization } : {} });
          assert.equal(res.statusCode, 401, `${authorization ?? 'no credentials'}: ${res.body}`);
          assert.equal(res.json().resourceType, 'OperationOutcome');
          assert.match(String(res.headers['www-authenticate']), /^Bearer realm=/);
        }
        assert.equal(held.answer.settled, false, 'the first request is still held');
        held.release();
        assert.equal((await held.answer.promise).status, 200);
        assert.equal((await queued.promise).status, 200);
      } finally {
        held.release();
      }
    });

    it('a request whose client goes away gives its place back, even while its work is still held', async () => {
      const address = await portico.app.listen({ host: '127.0.0.1', port: 0 }).then(() => portico.app.server.address() as AddressInfo);
      const socket = connect(address.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // A real connection's request takes the one place and is held at its first statement.
      const held = await holder.holding(async () => {
        socket.write(`GET /fhir/Patient/gate-p1 HTTP/1.1\r\nHost: portico.test\r\nAuthorization: ${ROOT_AUTHORIZATION}\r\n\r\n`);
        await closed;
      });
      try {
        socket.destroy();
        // Without its place given back this would wait behind the held statement until the watchdog.
        const next = await fhir.get('Patient/gate-p1');
        assert.equal(next.status, 200, next.text);
        assert.equal(holder.isHolding(), true, 'the closed connection\'s statement is still held');
      } finally {
        held.release();
      }
    });
  });
}
