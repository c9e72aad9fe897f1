import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { consoleBrowser, consoleEnv, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

/** A row of the audit log's (or a dashboard list's) table: the event's id (from its link) and its cells as text. */
interface Row {
  id: string;
  /** Its time, as the page's <time datetime> says it. */
  recorded: string;
  cells: string[];
}

const text = (cell: string) =>
  cell
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();

function rowsOf(html: string): Row[] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].flatMap(([, row = '']) => {
    const id = /href="[^"]*\/admin\/audit\/([^"/?]+)"/.exec(row)?.[1];
    const recorded = /<time datetime="([^"]+)"/.exec(row)?.[1] ?? '';
    return id ? [{ id: decodeURIComponent(id), recorded, cells: [...row.matchAll(/<td>(.*?)<\/td>/gs)].map(([, c = '']) => text(c)) }] : [];
  });
}

/** The audit log page with this query (200 expected), its rows and its "Older" link. */
async function logPage(b: Browser, query: string, prefix = ''): Promise<{ rows: Row[]; older?: string; body: string }> {
  const res = await b.get(`${prefix}/admin/audit${query}`);
  assert.equal(res.statusCode, 200, res.body);
  const older = /<a href="([^"]+)" rel="next">Older/.exec(res.body)?.[1]?.replace(/&amp;/g, '&');
  return { rows: rowsOf(res.body), body: res.body, ...(older ? { older } : {}) };
}

const column = (body: string, heading: string): number => {
  const headings = [...(/<thead>(.*?)<\/thead>/s.exec(body)?.[1] ?? '').matchAll(/<th scope="col">(.*?)<\/th>/g)].map(([, h]) => h);
  const index = headings.indexOf(heading);
  assert.ok(index >= 0, `no column ${heading} in ${headings.join(', ')}`);
  return index;
};

const stat = (body: string, label: string): number => {
  const match = new RegExp(`<span class="stat-value">(\\d+)</span> <span class="stat-label">${label}</span>`).exec(body);
  assert.ok(match, `no stat ${label}`);
  return Number(match[1]);
};

/** The section of the dashboard under this heading id. */
const section = (body: string, id: string): string => [...body.matchAll(/<section aria-labelledby="([^"]+)">(.*?)<\/section>/gs)].find((m) => m[1] === id)?.[2] ?? assert.fail(`no section ${id}`);

const tagged = (events: RecordedAuditEvent[], requestId: string) => {
  const found = events.filter((e) => (e.entity ?? []).some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === requestId));
  assert.equal(found.length, 1, `one event tagged ${requestId}`);
  return found[0]!;
};

for (const driver of drivers) {
  describe(`the admin console's audit log and dashboard (${driver})`, () => {
    let portico: TestPortico;
    let admin: Browser;
    let north: Browser;
    /** The event ids of the requests made in `before`, by their X-Request-Id. */
    const ids: Record<string, string> = {};
    let appToken = '';
    let between = new Date();

    const fhir = (path: string, requestId: string, authorization?: string) =>
      portico.app.inject({ method: 'GET', url: path, headers: { accept: 'application/fhir+json', 'x-request-id': requestId, ...(authorization ? { authorization } : {}) } });

    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
      const app = portico.app;
      for (const resource of [
        { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] },
        { resourceType: 'Patient', id: 'pb', name: [{ family: 'Beta' }] },
        { resourceType: 'Observation', id: 'oa', status: 'final', code: { text: 'a' }, subject: { reference: 'Patient/pa' } },
      ]) {
        const res = await app.inject({ method: 'PUT', url: `/fhir/${resource.resourceType}/${resource.id}`, headers: { authorization: rootBasic, 'content-type': 'application/fhir+json' }, payload: JSON.stringify(resource) });
        assert.equal(res.statusCode, 201, res.body);
      }
      await rootPut(app, '/Client/app', { resourceType: 'Client', secret: 'app-secret-of-some-length', grant_types: ['client_credentials'], scope: ['system/Patient.rs'] });
      const token = await app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { authorization: `Basic ${Buffer.from('app:app-secret-of-some-length').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials&scope=system%2FPatient.rs',
      });
      assert.equal(token.statusCode, 200, token.body);
      appToken = (JSON.parse(token.body) as { access_token: string }).access_token;

      assert.equal((await fhir('/fhir/Patient/pa', 'root-read-pa', rootBasic)).statusCode, 200);
      assert.equal((await fhir('/fhir/Observation?subject=Patient/pa', 'root-search', rootBasic)).statusCode, 200);
      // Reads by the app, refused: no AccessPolicy lets its system/ scope through, and Observation is outside it.
      const readPb = await fhir('/fhir/Patient/pb', 'app-read-pb', `Bearer ${appToken}`);
      assert.equal(readPb.statusCode, 403, readPb.body);
      between = new Date();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const refused = await fhir('/fhir/Observation/oa', 'app-refused', `Bearer ${appToken}`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal((await fhir('/fhir/Patient/pa', 'anonymous')).statusCode, 401);
      assert.equal((await fhir(`/t/${TENANT}/fhir/Patient/pa`, 'north-anonymous')).statusCode, 401);

      const events = await auditEvents(portico);
      for (const id of ['root-read-pa', 'root-search', 'app-read-pb', 'app-refused', 'anonymous']) ids[id] = tagged(events, id).id;
      ids['north-anonymous'] = tagged(await auditEvents(portico, {}, TENANT), 'north-anonymous').id;

      admin = await consoleBrowser(app, GLOBAL_ADMIN);
      north = await consoleBrowser(app, TENANT_ADMIN, `/t/${TENANT}`);
    });
    after(() => portico.stop());

    it('lists every event newest first, each linking to its detail; unfiltered, the root console sees every tenant', async () => {
      const { rows, body } = await logPage(admin, '?type=rest');
      assert.ok(rows.length > 0);
      const times = rows.map((r) => r.recorded);
      assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
      const listed = rows.map((r) => r.id);
      assert.ok(listed.includes(ids['anonymous']!) && listed.includes(ids['north-anonymous']!), 'the default tenant and north');
      const tenants = new Set(rows.map((r) => r.cells[column(body, 'Tenant')]));
      assert.deepEqual([...tenants].sort(), ['default', TENANT]);
    });

    it('each filter narrows: outcome, type, user, app, patient, subtype, time, tenant', async () => {
      const failures = await logPage(admin, '?outcome=minor');
      assert.ok(failures.rows.some((r) => r.id === ids['app-refused']));
      assert.ok(!failures.rows.some((r) => r.id === ids['root-read-pa']));
      for (const row of failures.rows) assert.equal(row.cells[column(failures.body, 'Outcome')], 'Minor failure');

      const success = await logPage(admin, '?outcome=success&type=rest');
      assert.ok(success.rows.some((r) => r.id === ids['root-read-pa']));
      for (const row of success.rows) {
        assert.equal(row.cells[column(success.body, 'Outcome')], 'Success');
        assert.match(row.cells[column(success.body, 'Event')] ?? '', /FHIR requests$/);
      }

      const signIns = await logPage(admin, `?user=${GLOBAL_ADMIN.id}`);
      assert.ok(signIns.rows.length > 0, 'the administrator signed in');
      for (const row of signIns.rows) assert.equal(row.cells[column(signIns.body, 'User')], GLOBAL_ADMIN.id);
      const authentication = await logPage(admin, `?user=${GLOBAL_ADMIN.id}&type=authentication`);
      assert.ok(authentication.rows.some((r) => /Sign-in/.test(r.cells[column(authentication.body, 'Event')] ?? '')));

      const byApp = await logPage(admin, '?app=app&type=rest');
      assert.deepEqual(byApp.rows.map((r) => r.id).sort(), [ids['app-read-pb'], ids['app-refused']].sort());

      const aboutPa = await logPage(admin, '?patient=pa&type=rest');
      const paIds = aboutPa.rows.map((r) => r.id);
      assert.ok(paIds.includes(ids['root-read-pa']!));
      assert.ok(!paIds.includes(ids['app-read-pb']!), 'a read of another patient is left out');

      const reads = await logPage(admin, '?subtype=search-type');
      assert.ok(reads.rows.some((r) => r.id === ids['root-search']));
      assert.ok(!reads.rows.some((r) => r.id === ids['root-read-pa']));

      const iso = between.toISOString().slice(0, 23);
      const later = (await logPage(admin, `?type=rest&from=${iso}`)).rows.map((r) => r.id);
      const earlier = (await logPage(admin, `?type=rest&to=${iso}`)).rows.map((r) => r.id);
      assert.ok(later.includes(ids['app-refused']!) && !later.includes(ids['app-read-pb']!));
      assert.ok(earlier.includes(ids['app-read-pb']!) && !earlier.includes(ids['app-refused']!));

      // (The test's own searches of north's AuditEvents are north's successful requests.)
      const northOnly = await logPage(admin, `?tenant=${TENANT}&type=rest&outcome=failure`);
      assert.deepEqual(northOnly.rows.map((r) => r.id), [ids['north-anonymous']]);
    });

    it('a filter it cannot read is a 422 page naming the field, not a 500', async () => {
      for (const [query, field] of [
        ['?from=2026-13-45T10:00', 'from'],
        ['?from=2026-01-02T10:00&to=2026-01-01T10:00', 'to'],
        ['?outcome=maybe', 'outcome'],
        ['?type=everything', 'type'],
        ['?patient=not%20an%20id', 'patient'],
        ['?tenant=Not_A_Tenant', 'tenant'],
      ] as const) {
        const res = await admin.get(`/admin/audit${query}`);
        assert.equal(res.statusCode, 422, `${query}: ${res.body.slice(0, 200)}`);
        assert.match(res.body, new RegExp(`id="${field}-error"`), query);
        assert.match(res.body, new RegExp(`id="${field}" [^>]*aria-invalid="true"`), query);
        assert.match(res.body, /Correct the filter to see its events/, query);
      }
      const stale = await admin.get('/admin/audit?cursor=bm90LWEtY3Vyc29y');
      assert.equal(stale.statusCode, 400);
      assert.match(stale.body, /out of date/);
    });

    it('pages by keyset: "Older" goes on where the page stopped, with no event twice, the filter kept', async () => {
      for (let n = 0; n < 30; n++) assert.equal((await fhir('/fhir/Patient/pa', `page-${n}`, rootBasic)).statusCode, 200);
      const first = await logPage(admin, '?app=root&subtype=read&patient=pa');
      assert.equal(first.rows.length, 25);
      assert.ok(first.older, 'an Older link');
      assert.match(first.older, /app=root/);
      assert.match(first.older, /subtype=read/);
      const second = await logPage(admin, first.older.slice('/admin/audit'.length));
      assert.ok(second.rows.length >= 6, `31 reads of pa at least: ${second.rows.length} more`);
      const seen = new Set(first.rows.map((r) => r.id));
      for (const row of second.rows) assert.ok(!seen.has(row.id), 'no event twice');
      assert.ok(second.rows.some((r) => r.id === ids['root-read-pa']), 'the oldest read of pa is on the second page');
      assert.match(second.body, /Newest<span class="visually-hidden"> events/);
    });

    it("an event's detail shows the refusal reason of a refused FHIR request, its agents and entities, the query decoded, the JSON", async () => {
      const res = await admin.get(`/admin/audit/${ids['app-refused']}`);
      assert.equal(res.statusCode, 200, res.body);
      const event = tagged(await auditEvents(portico), 'app-refused');
      assert.match(event.outcomeDesc ?? '', /^403: ./);
      const page = text(res.body);
      assert.ok(page.includes(`Reason ${event.outcomeDesc}`), 'the refusal reason');
      assert.match(page, /Outcome Minor failure/);
      assert.match(page, /Action Read \(R\)/);
      assert.match(page, /Client app/);
      assert.match(page, /Observation\/oa/);
      assert.match(res.body, /<pre class="json"[^>]*>\{/);

      const search = await admin.get(`/admin/audit/${ids['root-search']}`);
      assert.equal(search.statusCode, 200);
      assert.match(text(search.body), /Query: subject=Patient\/pa/);

      const missing = await admin.get('/admin/audit/no-such-event');
      assert.equal(missing.statusCode, 404);
    });

    it("a tenant's administrator sees their tenant's events only, and the same detail the root sees is not found there", async () => {
      const own = await logPage(north, '?type=rest&outcome=failure', `/t/${TENANT}`);
      assert.deepEqual(own.rows.map((r) => r.id), [ids['north-anonymous']]);
      assert.doesNotMatch(own.body, /id="tenant"/, 'no tenant filter');
      // Asking for another tenant changes nothing.
      const other = await logPage(north, '?type=rest&outcome=failure&tenant=default', `/t/${TENANT}`);
      assert.deepEqual(other.rows.map((r) => r.id), [ids['north-anonymous']]);

      assert.equal((await north.get(`/t/${TENANT}/admin/audit/${ids['north-anonymous']}`)).statusCode, 200);
      assert.equal((await admin.get(`/admin/audit/${ids['anonymous']}`)).statusCode, 200);
      assert.equal((await north.get(`/t/${TENANT}/admin/audit/${ids['anonymous']}`)).statusCode, 404);
    });

    it('the dashboard counts apps by status and active grants, and lists the latest refused requests and security events', async () => {
      const before = (await admin.get('/admin')).body;
      assert.ok(stat(before, 'active grants?') >= 1, 'the app’s client_credentials grant');
      const refused = section(before, 'refused-heading');
      assert.ok(rowsOf(refused).some((r) => r.id === ids['anonymous']), 'the refused read, linked');
      assert.ok(rowsOf(refused).length <= 5);

      await rootPut(portico.app, '/Client/reviewed', { resourceType: 'Client', name: 'Up for review', status: 'submitted', grant_types: ['client_credentials'], scope: ['system/Patient.rs'] });
      const failed = await browser(portico.app).signIn(GLOBAL_ADMIN.email, 'not-the-password', '/admin');
      assert.equal(failed.statusCode, 401);
      const token = await portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { authorization: `Basic ${Buffer.from('app:app-secret-of-some-length').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=client_credentials&scope=system%2FPatient.rs',
      });
      assert.equal(token.statusCode, 200, token.body);

      const afterwards = (await admin.get('/admin')).body;
      assert.equal(stat(afterwards, 'submitted'), stat(before, 'submitted') + 1);
      assert.equal(stat(afterwards, 'approved'), stat(before, 'approved'));
      assert.equal(stat(afterwards, 'active grants?'), stat(before, 'active grants?') + 1);
      const security = rowsOf(section(afterwards, 'security-heading'));
      assert.ok(security.length >= 1 && security.length <= 5);
      const newest = security[0]!;
      assert.match(newest.cells.join(' '), /Sign-in failed/);
      const detail = await admin.get(`/admin/audit/${newest.id}`);
      assert.equal(detail.statusCode, 200);

      // The tenant's dashboard: its own refused request, none of the default tenant's, and none of its grants.
      const northDashboard = (await north.get(`/t/${TENANT}/admin`)).body;
      const northRefused = rowsOf(section(northDashboard, 'refused-heading')).map((r) => r.id);
      assert.deepEqual(northRefused, [ids['north-anonymous']]);
      assert.equal(stat(northDashboard, 'active grants?'), 0);
      assert.equal(stat(northDashboard, 'submitted'), 0);
    });

    it('"Verify chain" says intact, then names the first broken link once a row is tampered with in SQL; a tenant verifies its own chains', async () => {
      const page = await admin.get('/admin/audit');
      const csrf = csrfTokenIn(page.body);
      const intact = await admin.post('/admin/audit/verify', { csrf_token: csrf });
      assert.equal(intact.statusCode, 200, intact.body);
      assert.match(text(intact.body), /Audit trail intact: \d+ events in \d+ chains verified \(every tenant\)/);

      const refused = await admin.post('/admin/audit/verify', { csrf_token: 'forged' });
      assert.notEqual(refused.statusCode, 200, 'no CSRF token, no verification');

      const [row] = await portico.db.query<{ chain: string; seq: string | number }>('SELECT chain, seq FROM audit_event WHERE id = $1', [ids['anonymous']]);
      assert.ok(row);
      await portico.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{outcome}', '"0"') WHERE id = $1`, [ids['anonymous']]);
      const broken = await admin.post('/admin/audit/verify', { csrf_token: csrf });
      assert.equal(broken.statusCode, 200);
      assert.match(text(broken.body), new RegExp(`Audit trail broken: chain ${row.chain} seq ${Number(row.seq)}: hash mismatch`));

      const northPage = await north.get(`/t/${TENANT}/admin/audit`);
      const northVerify = await north.post(`/t/${TENANT}/admin/audit/verify`, { csrf_token: csrfTokenIn(northPage.body) });
      assert.equal(northVerify.statusCode, 200);
      assert.match(text(northVerify.body), /Audit trail intact: .* \(tenant north\)/);
    });
  });
}

for (const driver of drivers) {
  describe(`the dashboard's lists of events look back seven days (${driver})`, () => {
    let portico: TestPortico;
    let clock = new Date('2026-03-01T12:00:00.000Z');
    before(async () => {
      portico = await startPortico(driver, consoleEnv('sandbox'), { now: () => clock });
      await rootPut(portico.app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
    });
    after(() => portico.stop());

    it('a refused request is listed for seven days, then only in the log', async () => {
      const refused = await portico.app.inject({ method: 'GET', url: '/fhir/Patient/pa', headers: { accept: 'application/fhir+json', 'x-request-id': 'old-refusal' } });
      assert.equal(refused.statusCode, 401);
      const id = tagged(await auditEvents(portico), 'old-refusal').id;

      clock = new Date('2026-03-08T11:59:00.000Z');
      const within = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      assert.deepEqual(rowsOf(section((await within.get('/admin')).body, 'refused-heading')).map((r) => r.id), [id]);

      clock = new Date('2026-03-08T12:01:00.000Z');
      const later = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const dashboard = section((await later.get('/admin')).body, 'refused-heading');
      assert.deepEqual(rowsOf(dashboard), []);
      assert.match(dashboard, /None in the last 7 days/);
      assert.ok((await logPage(later, '?outcome=failure&type=rest')).rows.some((r) => r.id === id), 'still in the log');
    });
  });
}
