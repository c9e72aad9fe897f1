import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const patient = (id: string, family = 'Chalmers') => ({ resourceType: 'Patient', id, name: [{ family }] });
const T0 = Date.parse('2024-03-01T00:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface HistoryEntry {
  fullUrl: string;
  resource?: { id: string; meta: { versionId: string } };
  request: { method: string; url: string };
  response: { status: string; etag: string; lastModified: string };
}

for (const driver of drivers) {
  describe(`FHIR history (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    // A clock the tests move: each write happens 1 ms after the previous one, from where it is set.
    let clock = T0;
    const at = (ms: number) => { clock = ms; };
    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock++) });
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    const entries = async (path: string): Promise<HistoryEntry[]> => {
      const res = await fhir.get(path);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.type, 'history');
      return res.body.entry;
    };

    it('lists an instance history newest first, with request, response and deletions without resource', async () => {
      at(T0);
      const created = await fhir.post('Patient', patient('ignored'));
      const id = created.body.id;
      await fhir.put(`Patient/${id}`, patient(id, 'Updated'));
      await fhir.delete(`Patient/${id}`);
      const list = await entries(`Patient/${id}/_history`);
      assert.equal(list.length, 3);
      const [del, upd, crt] = list as [HistoryEntry, HistoryEntry, HistoryEntry];
      assert.equal(del.resource, undefined);
      assert.deepEqual(del.request, { method: 'DELETE', url: `Patient/${id}` });
      assert.equal(del.response.status, '204 No Content');
      assert.equal(del.response.etag, 'W/"3"');
      assert.equal(upd.resource?.meta.versionId, '2');
      assert.deepEqual(upd.request, { method: 'PUT', url: `Patient/${id}` });
      assert.equal(upd.response.status, '200 OK');
      assert.deepEqual(crt.request, { method: 'POST', url: 'Patient' });
      assert.equal(crt.response.status, '201 Created');
      assert.equal(crt.response.lastModified, iso(T0));
      assert.equal(crt.fullUrl, `${TEST_BASE_URL}/fhir/Patient/${id}`);
    });

    it('answers 404 for the history of an unknown id, and 400 for bad parameters', async () => {
      assert.equal((await fhir.get('Patient/nobody/_history')).status, 404);
      assert.equal((await fhir.get(`Patient/nobody/_history?_since=${iso(T0)}`)).status, 404);
      for (const query of ['_since=yesterday', '_at=2024-13-45', '_count=-1', '_count=many', '_since=2024-01-01T10:00', 'foo=bar']) {
        const res = await fhir.get(`_history?${query}`);
        assert.equal(res.status, 400, query);
        assert.equal(res.body.resourceType, 'OperationOutcome', query);
      }
    });

    it('filters type and system history with _since and _at', async () => {
      const T = T0 + 10 * HOUR;
      at(T);
      await fhir.put('Encounter/h-e1', { resourceType: 'Encounter', id: 'h-e1', status: 'planned', class: { code: 'AMB' } });
      at(T + HOUR);
      await fhir.put('Encounter/h-e2', { resourceType: 'Encounter', id: 'h-e2', status: 'planned', class: { code: 'AMB' } });
      at(T + 2 * HOUR);
      await fhir.put('Encounter/h-e1', { resourceType: 'Encounter', id: 'h-e1', status: 'finished', class: { code: 'AMB' } });
      at(T + 3 * HOUR);
      await fhir.delete('Encounter/h-e2');
      await fhir.put('Patient/h-p1', patient('h-p1'));

      const all = await entries('Encounter/_history');
      assert.deepEqual(all.map((e) => `${e.request.method} ${e.request.url}`),
        ['DELETE Encounter/h-e2', 'PUT Encounter/h-e1', 'PUT Encounter/h-e2', 'PUT Encounter/h-e1']);

      const since = await entries(`Encounter/_history?_since=${encodeURIComponent(iso(T + HOUR + 30 * 60_000))}`);
      assert.deepEqual(since.map((e) => e.response.etag), ['W/"2"', 'W/"2"']);

      // At T+1.5h: e1 at version 1, e2 at version 1 (the later update and delete are not yet there).
      const then = await entries(`Encounter/_history?_at=${encodeURIComponent(iso(T + HOUR + 30 * 60_000))}`);
      assert.deepEqual(then.map((e) => `${e.fullUrl.split('/').pop()} ${e.response.etag}`).sort(), ['h-e1 W/"1"', 'h-e2 W/"1"']);
      // At T+2.5h: e1 at version 2, e2 still version 1.
      const later = await entries(`Encounter/_history?_at=${encodeURIComponent(iso(T + 2 * HOUR + 30 * 60_000))}`);
      assert.deepEqual(later.map((e) => `${e.fullUrl.split('/').pop()} ${e.response.etag}`).sort(), ['h-e1 W/"2"', 'h-e2 W/"1"']);
      // Instance history at an instant, and a date (start of the day in UTC).
      assert.deepEqual((await entries(`Encounter/h-e1/_history?_at=${encodeURIComponent(iso(T + 30 * 60_000))}`)).map((e) => e.response.etag), ['W/"1"']);
      assert.equal((await entries('Encounter/_history?_at=2024-03-01')).length, 0);

      // _since includes a version written at exactly that instant.
      const system = await entries(`_history?_since=${encodeURIComponent(iso(T + 3 * HOUR))}`);
      assert.deepEqual(system.map((e) => `${e.request.method} ${e.request.url}`), ['PUT Patient/h-p1', 'DELETE Encounter/h-e2']);
    });

    it('pages with stable next links while writes happen between page fetches', async () => {
      at(T0 + 100 * HOUR);
      for (let i = 0; i < 5; i++) await fhir.put(`Location/page-${i}`, { resourceType: 'Location', id: `page-${i}`, name: `L${i}` });
      const seen: string[] = [];
      let url: string | undefined = 'Location/_history?_count=2';
      let pages = 0;
      while (url) {
        const res = await fhir.get(url);
        assert.equal(res.status, 200, res.text);
        seen.push(...res.body.entry.map((e: HistoryEntry) => e.fullUrl.split('/').pop() ?? ''));
        // A new version arrives between every page fetch; it must not shift or repeat what the next page shows.
        await fhir.put(`Location/page-new-${pages}`, { resourceType: 'Location', id: `page-new-${pages}`, name: 'new' });
        await fhir.put('Location/page-0', { resourceType: 'Location', id: 'page-0', name: `again ${pages}` });
        const next = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
        url = next?.replace(`${TEST_BASE_URL}/fhir/`, '');
        pages++;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    });
  });
}
