import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const BASE = `${TEST_BASE_URL}/fhir`;
const LOINC = 'http://loinc.org';

/** Ids of the match entries of a searchset, sorted unless `ordered`. */
function ids(res: FhirReply, ordered = false): string[] {
  assert.equal(res.status, 200, res.text);
  const list = (res.body.entry ?? []).filter((e: { search: { mode: string } }) => e.search.mode === 'match').map((e: { resource: { id: string } }) => e.resource.id);
  return ordered ? list : list.sort();
}

for (const driver of drivers) {
  describe(`FHIR search (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    const id: Record<string, string> = {};

    const create = async (key: string, resource: Record<string, unknown>) => {
      const res = await fhir.post(String(resource.resourceType), resource);
      assert.equal(res.status, 201, res.text);
      id[key] = res.body.id;
      return res.body.id as string;
    };
    const search = (path: string, headers?: Record<string, string>) => fhir.get(path, headers);
    const names = (...keys: string[]) => keys.map((k) => id[k] ?? `missing-${k}`).sort();

    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
      await create('peter', {
        resourceType: 'Patient',
        name: [{ family: 'Chalmers', given: ['Peter', 'James'] }],
        gender: 'male',
        birthDate: '1974-12-25',
        active: true,
        identifier: [{ system: 'urn:mrn', value: 'MRN-1', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] } }],
        telecom: [{ system: 'phone', value: '555-1234' }],
        address: [{ line: ['534 Erewhon St'], city: 'PleasantVille', postalCode: '3999' }],
        meta: { tag: [{ system: 'urn:tags', code: 'vip' }], profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'] },
      });
      await create('jose', {
        resourceType: 'Patient',
        name: [{ family: 'Núñez', given: ['José'] }],
        gender: 'male',
        birthDate: '1980-03',
        active: false,
        identifier: [{ system: 'urn:mrn', value: 'MRN-2' }],
      });
      await create('anna', { resourceType: 'Patient', name: [{ family: 'Smith', given: ['Anna'] }], gender: 'female', birthDate: '2001-06-15' });
      await create('org', { resourceType: 'Organization', name: 'Acme Health' });
      await create('hba1c', {
        resourceType: 'Observation', status: 'final',
        code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }], text: 'HbA1c' },
        subject: { reference: `Patient/${id.peter}` },
        performer: [{ reference: `Organization/${id.org}` }],
        effectiveDateTime: '2020-03-15T10:30:00Z',
        valueQuantity: { value: 6.1, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      });
      await create('hba1c2', {
        resourceType: 'Observation', status: 'amended',
        code: { coding: [{ system: LOINC, code: '4548-4' }] },
        subject: { reference: `${BASE}/Patient/${id.jose}` },
        effectivePeriod: { start: '2021-01-01', end: '2021-01-31' },
        valueQuantity: { value: 100, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      });
      await create('weight', {
        resourceType: 'Observation', status: 'final',
        code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
        subject: { reference: `Patient/${id.anna}`, display: 'Anna' },
        effectiveDateTime: '2022',
        valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      });
      await create('foreign', {
        resourceType: 'Observation', status: 'final',
        code: { coding: [{ system: 'http://other', code: 'x' }] },
        subject: { reference: `http://elsewhere.example/fhir/Patient/${id.peter}`, identifier: { system: 'urn:mrn', value: 'MRN-9' } },
      });
      await create('prov', { resourceType: 'Provenance', target: [{ reference: `Observation/${id.hba1c}` }], recorded: '2020-03-15T11:00:00Z', agent: [{ who: { reference: `Organization/${id.org}` } }] });
      await create('risk', { resourceType: 'RiskAssessment', status: 'final', subject: { reference: `Patient/${id.peter}` }, prediction: [{ probabilityDecimal: 0.25 }] });
      await create('vs', { resourceType: 'ValueSet', status: 'active', url: 'http://example.org/fhir/ValueSet/colors' });
    });
    after(() => portico.stop());

    it('answers the seed contract: code=4548-4&_count=2', async () => {
      const res = await search('Observation?code=4548-4&_count=2');
      assert.equal(res.body.resourceType, 'Bundle');
      assert.equal(res.body.type, 'searchset');
      assert.ok(res.body.entry.length <= 2);
      assert.deepEqual(ids(res), names('hba1c', 'hba1c2'));
      for (const e of res.body.entry) {
        assert.equal(e.fullUrl, `${BASE}/Observation/${e.resource.id}`);
        assert.equal(e.search.mode, 'match');
        assert.equal(e.resource.code.coding[0].code, '4548-4');
      }
      assert.equal(res.body.total, 2);
    });

    it('matches tokens: code, system|code, |code, system|, :not, :text, boolean, identifier :of-type, ContactPoint', async () => {
      assert.deepEqual(ids(await search(`Observation?code=${LOINC}|29463-7`)), names('weight'));
      assert.deepEqual(ids(await search('Observation?code=|29463-7')), []);
      assert.deepEqual(ids(await search(`Observation?code=${encodeURIComponent(LOINC)}|`)), names('hba1c', 'hba1c2', 'weight'));
      assert.deepEqual(ids(await search('Observation?status:not=final')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?code:text=hba1')), names('hba1c'));
      assert.deepEqual(ids(await search('Observation?code:text=weight')), names('weight'));
      assert.deepEqual(ids(await search('Patient?active=true')), names('peter'));
      assert.deepEqual(ids(await search('Patient?gender=female')), names('anna'));
      assert.deepEqual(ids(await search('Patient?identifier=urn:mrn|MRN-2')), names('jose'));
      assert.deepEqual(ids(await search('Patient?identifier=MRN-1')), names('peter'));
      assert.deepEqual(ids(await search('Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1')), names('peter'));
      assert.deepEqual(ids(await search('Patient?telecom=555-1234')), names('peter'));
      assert.deepEqual(ids(await search('Patient?_tag=urn:tags|vip')), names('peter'));
      assert.deepEqual(ids(await search('Patient?identifier:missing=true')), names('anna'));
      assert.deepEqual(ids(await search('Patient?identifier:missing=false')), names('jose', 'peter'));
    });

    it('matches strings: starts-with, accents and case folded, :exact, :contains, name parts and address', async () => {
      assert.deepEqual(ids(await search('Patient?name=chal')), names('peter'));
      assert.deepEqual(ids(await search('Patient?name=jam')), names('peter'));
      assert.deepEqual(ids(await search('Patient?family=nunez')), names('jose'));
      assert.deepEqual(ids(await search('Patient?given=JOSE')), names('jose'));
      assert.deepEqual(ids(await search('Patient?family:exact=Chalmers')), names('peter'));
      assert.deepEqual(ids(await search('Patient?family:exact=chalmers')), []);
      assert.deepEqual(ids(await search('Patient?family:contains=alm')), names('peter'));
      assert.deepEqual(ids(await search('Patient?address-city=pleasant')), names('peter'));
      assert.deepEqual(ids(await search('Patient?address=erewhon')), []);
      assert.deepEqual(ids(await search('Patient?address:contains=erewhon')), names('peter'));
      assert.deepEqual(ids(await search('Organization?name=acme')), names('org'));
    });

    it('ORs comma-separated values and ANDs repeated parameters', async () => {
      assert.deepEqual(ids(await search('Patient?given=peter,anna')), names('peter', 'anna'));
      assert.deepEqual(ids(await search('Patient?given=peter,anna&gender=female')), names('anna'));
      assert.deepEqual(ids(await search('Patient?name=peter&name=james')), names('peter'));
      assert.deepEqual(ids(await search('Patient?name=peter&name=anna')), []);
    });

    it('matches references: Type/id, id, own absolute URL, type modifier, :identifier, :missing', async () => {
      assert.deepEqual(ids(await search(`Observation?subject=Patient/${id.peter}`)), names('hba1c'));
      assert.deepEqual(ids(await search(`Observation?subject=${id.peter}`)), names('hba1c'));
      assert.deepEqual(ids(await search(`Observation?patient=${id.jose}`)), names('hba1c2'));
      assert.deepEqual(ids(await search(`Observation?subject=${encodeURIComponent(`${BASE}/Patient/${id.peter}`)}`)), names('hba1c'));
      assert.deepEqual(ids(await search(`Observation?subject:Patient=${id.anna}`)), names('weight'));
      assert.deepEqual(ids(await search(`Observation?subject=${encodeURIComponent(`http://elsewhere.example/fhir/Patient/${id.peter}`)}`)), names('foreign'));
      assert.deepEqual(ids(await search('Observation?subject:identifier=urn:mrn|MRN-9')), names('foreign'));
      assert.deepEqual(ids(await search('Observation?performer:missing=false')), names('hba1c'));
      assert.deepEqual(ids(await search(`Provenance?target=Observation/${id.hba1c}`)), names('prov'));
      assert.deepEqual(ids(await search(`RiskAssessment?subject=Patient/${id.peter}`)), names('risk'));
    });

    it('follows chained parameters', async () => {
      assert.deepEqual(ids(await search('Observation?subject:Patient.name=peter')), names('hba1c'));
      assert.deepEqual(ids(await search('Observation?patient.name=nunez')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?patient.gender=male&code=4548-4')), names('hba1c', 'hba1c2'));
      assert.deepEqual(ids(await search('Observation?performer:Organization.name=acme')), names('hba1c'));
      assert.deepEqual(ids(await search(`Observation?subject:Patient._id=${id.anna}`)), names('weight'));
    });

    it('follows reverse chains (_has), nested and combined with other parameters', async () => {
      assert.deepEqual(ids(await search('Patient?_has:Observation:subject:code=4548-4')), names('peter', 'jose'));
      assert.deepEqual(ids(await search('Patient?_has:Observation:patient:code=http://loinc.org|29463-7')), names('anna'));
      assert.deepEqual(ids(await search('Patient?_has:Observation:subject:code=4548-4&gender=male&birthdate=lt1980')), names('peter'));
      // Through an Observation that a Provenance targets.
      assert.deepEqual(ids(await search(`Patient?_has:Observation:subject:_has:Provenance:target:agent=Organization/${id.org}`)), names('peter'));
      assert.deepEqual(ids(await search('Organization?_has:Observation:performer:status=final')), names('org'));
      // Only local references count: the foreign Observation names peter's id on another server.
      assert.deepEqual(ids(await search('Patient?_has:Observation:subject:code=http://other|x')), []);
      assert.deepEqual(ids(await search('Patient?_has:Observation:subject:code=none-such')), []);
    });

    it('refuses malformed reverse chains with an OperationOutcome', async () => {
      for (const query of ['Patient?_has:Observation:code:code=x', 'Patient?_has:Nope:subject:code=x', 'Patient?_has:Observation:subject=x', 'Patient?_has:Observation:performer:_has:Provenance:target:_has:AuditEvent:entity:_has:Provenance:target:agent=x']) {
        const res = await search(query);
        assert.ok(res.status === 400 || res.status === 501, `${query}: ${res.status} ${res.text}`);
        assert.equal(res.body.resourceType, 'OperationOutcome', query);
      }
      // A reference parameter that never points at the searched type.
      const never = await search('Patient?_has:Provenance:agent:_id=x');
      assert.equal(never.body.resourceType, never.status === 200 ? 'Bundle' : 'OperationOutcome', never.text);
    });

    it('compares dates with every prefix on precision ranges', async () => {
      assert.deepEqual(ids(await search('Patient?birthdate=1974')), names('peter'));
      assert.deepEqual(ids(await search('Patient?birthdate=1974-12-25')), names('peter'));
      assert.deepEqual(ids(await search('Patient?birthdate=1980-03-10')), []);
      assert.deepEqual(ids(await search('Patient?birthdate=1980')), names('jose'));
      assert.deepEqual(ids(await search('Patient?birthdate=gt1980-03-31')), names('anna'));
      assert.deepEqual(ids(await search('Patient?birthdate=ge1980-03')), names('jose', 'anna'));
      assert.deepEqual(ids(await search('Patient?birthdate=lt1980')), names('peter'));
      assert.deepEqual(ids(await search('Patient?birthdate=le1980-03')), names('peter', 'jose'));
      assert.deepEqual(ids(await search('Patient?birthdate=ne1980')), names('peter', 'anna'));
      assert.deepEqual(ids(await search('Patient?birthdate=sa1980')), names('anna'));
      assert.deepEqual(ids(await search('Patient?birthdate=eb1980')), names('peter'));
      // ap spans 10% of the distance to today: from 1974-03 it reaches jose (1980-03-10) only in 2034.
      // (1974-12-20 reached him on 2026-11-30.)
      assert.deepEqual(ids(await search('Patient?birthdate=ap1974-03-01')), names('peter'));
      // A Period matches by its range; a whole-year value covers its dates.
      assert.deepEqual(ids(await search('Observation?date=2021-01')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?date=2021-01-15')), []);
      assert.deepEqual(ids(await search('Observation?date=ge2021-01-15')), names('hba1c2', 'weight'));
      assert.deepEqual(ids(await search('Observation?date=2020-03-15T10:30:00Z')), names('hba1c'));
      assert.deepEqual(ids(await search('Observation?date=2022-06-01')), []);
      assert.deepEqual(ids(await search('Observation?date=lt2020-06-01&date=gt2020-01-01')), names('hba1c'));
      assert.deepEqual(ids(await search('Provenance?recorded=2020-03-15')), names('prov'));
    });

    it('compares numbers and quantities with precision-implied ranges', async () => {
      assert.deepEqual(ids(await search('Observation?value-quantity=100')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?value-quantity=6')), names('hba1c'));
      assert.deepEqual(ids(await search('Observation?value-quantity=6.0')), []);
      assert.deepEqual(ids(await search('Observation?value-quantity=gt50')), names('hba1c2', 'weight'));
      assert.deepEqual(ids(await search('Observation?value-quantity=le72.5')), names('hba1c', 'weight'));
      assert.deepEqual(ids(await search('Observation?value-quantity=72.5|http://unitsofmeasure.org|kg')), names('weight'));
      assert.deepEqual(ids(await search('Observation?value-quantity=72.5|http://unitsofmeasure.org|g')), []);
      assert.deepEqual(ids(await search('Observation?value-quantity=gt1||mg/dL')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?value-quantity=ap95')), names('hba1c2'));
      assert.deepEqual(ids(await search('Observation?value-quantity=ne100')), names('hba1c', 'weight'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=0.25')), names('risk'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=gt0.3')), []);
      assert.deepEqual(ids(await search('RiskAssessment?probability=lt0.3')), names('risk'));
    });

    it('matches uris exactly, :below and :above', async () => {
      assert.deepEqual(ids(await search('ValueSet?url=http://example.org/fhir/ValueSet/colors')), names('vs'));
      assert.deepEqual(ids(await search('ValueSet?url=http://example.org/fhir/ValueSet')), []);
      assert.deepEqual(ids(await search('ValueSet?url:below=http://example.org/fhir')), names('vs'));
      assert.deepEqual(ids(await search('ValueSet?url:above=http://example.org/fhir/ValueSet/colors/v2')), names('vs'));
      assert.deepEqual(ids(await search('Patient?_profile=http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient')), names('peter'));
    });

    it('filters on _id and _lastUpdated', async () => {
      assert.deepEqual(ids(await search(`Patient?_id=${id.anna},${id.jose}`)), names('anna', 'jose'));
      assert.deepEqual(ids(await search('Patient?_lastUpdated=gt2000-01-01')), names('peter', 'jose', 'anna'));
      assert.deepEqual(ids(await search('Patient?_lastUpdated=lt2000-01-01')), []);
      assert.deepEqual(ids(await search(`Patient?_lastUpdated=ge${new Date().toISOString().slice(0, 4)}`)), names('peter', 'jose', 'anna'));
    });

    it('sorts ascending, descending and on several keys', async () => {
      assert.deepEqual(ids(await search('Patient?_sort=birthdate'), true), [id.peter, id.jose, id.anna]);
      assert.deepEqual(ids(await search('Patient?_sort=-birthdate'), true), [id.anna, id.jose, id.peter]);
      assert.deepEqual(ids(await search('Patient?_sort=family'), true), [id.peter, id.jose, id.anna]);
      assert.deepEqual(ids(await search('Patient?_sort=gender,-birthdate'), true), [id.anna, id.jose, id.peter]);
      assert.deepEqual(ids(await search('Observation?code=4548-4,29463-7&_sort=-value-quantity'), true), [id.hba1c2, id.weight, id.hba1c]);
      assert.deepEqual(ids(await search('Observation?_sort=-date,_id'), true).slice(0, 3), [id.weight, id.hba1c2, id.hba1c]);
      assert.deepEqual(ids(await search('Patient?_sort=-_id'), true), [id.peter, id.jose, id.anna].sort().reverse());
      const byUpdate = ids(await search('Patient?_sort=_lastUpdated'), true);
      assert.deepEqual(byUpdate, [id.peter, id.jose, id.anna]);
    });

    it('includes and revincludes, one entry per resource, marked include', async () => {
      const res = await search(`Observation?_id=${id.hba1c}&_include=Observation:patient&_include=Observation:performer:Organization&_revinclude=Provenance:target`);
      assert.deepEqual(ids(res), names('hba1c'));
      const included = res.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'include').map((e: { resource: { resourceType: string; id: string } }) => `${e.resource.resourceType}/${e.resource.id}`).sort();
      assert.deepEqual(included, [`Organization/${id.org}`, `Patient/${id.peter}`, `Provenance/${id.prov}`].sort());
      const revPatients = await search(`Patient?_id=${id.peter}&_revinclude=Observation:subject`);
      const rev = revPatients.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'include').map((e: { resource: { id: string } }) => e.resource.id).sort();
      assert.deepEqual(rev, names('hba1c'));
      const star = await search(`Observation?_id=${id.hba1c}&_include=Observation:*`);
      assert.equal(star.body.entry.length, 3);
      const iterate = await search(`Provenance?_id=${id.prov}&_include=Provenance:target&_include:iterate=Observation:subject`);
      const iterated = iterate.body.entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType).sort();
      assert.deepEqual(iterated, ['Observation', 'Patient', 'Provenance']);
    });

    it('_summary=count gives the total only; _total=none omits it; _count=0 counts', async () => {
      const count = await search('Observation?code=4548-4&_summary=count');
      assert.equal(count.body.total, 2);
      assert.equal(count.body.entry, undefined);
      const none = await search('Patient?_total=none');
      assert.equal(none.body.total, undefined);
      assert.equal(none.body.entry.length, 3);
      const accurate = await search('Patient?_total=accurate&_count=1');
      assert.equal(accurate.body.total, 3);
      assert.equal(accurate.body.entry.length, 1);
    });

    it('_elements keeps the listed and mandatory elements and tags SUBSETTED; _summary=true', async () => {
      const res = await search(`Patient?_id=${id.peter}&_elements=birthDate,gender`);
      const patient = res.body.entry[0].resource;
      assert.equal(patient.birthDate, '1974-12-25');
      assert.equal(patient.gender, 'male');
      assert.equal(patient.name, undefined);
      assert.equal(patient.id, id.peter);
      assert.ok(patient.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED'));
      const obs = (await search(`Observation?_id=${id.hba1c}&_elements=value`)).body.entry[0].resource;
      assert.equal(obs.valueQuantity.value, 6.1);
      assert.equal(obs.status, 'final', 'status is mandatory');
      assert.equal(obs.subject, undefined);
      const summary = (await search(`Patient?_id=${id.peter}&_summary=true`)).body.entry[0].resource;
      assert.equal(summary.birthDate, '1974-12-25');
      assert.ok(summary.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED'));
    });

    it('ignores unknown parameters leniently, refuses them under Prefer: handling=strict', async () => {
      const lenient = await search('Patient?foo=bar&gender=female');
      assert.deepEqual(ids(lenient), names('anna'));
      const self = lenient.body.link.find((l: { relation: string }) => l.relation === 'self').url;
      assert.ok(!self.includes('foo'), self);
      assert.ok(self.includes('gender=female'), self);
      const strict = await search('Patient?foo=bar&gender=female', { prefer: 'handling=strict' });
      assert.equal(strict.status, 400);
      assert.equal(strict.body.resourceType, 'OperationOutcome');
      assert.match(strict.body.issue[0].diagnostics, /foo/);
    });

    it('answers malformed values with a 400 OperationOutcome', async () => {
      for (const path of [
        'Patient?birthdate=not-a-date',
        'Patient?birthdate=xx2020',
        'Patient?birthdate=2020-13-01',
        'Patient?family:fuzzy=x',
        'Observation?value-quantity=abc',
        'Observation?subject=not a ref',
        'Observation?subject:Unicorn=1',
        'Patient?_count=-1',
        'Patient?_summary=maybe',
        'Patient?_total=some',
        'Patient?_page_token=garbage!',
        'Patient?_page_token=WzFd',
        'Patient?identifier:missing=perhaps',
        'Observation?_include=Observation',
        'Observation?_include=Observation:nope',
        'Observation?_include=Evil:subject',
        'Observation?_revinclude=Provenance:agent-role',
      ]) {
        const res = await search(path);
        assert.equal(res.status, 400, `${path}: ${res.text}`);
        assert.equal(res.body.resourceType, 'OperationOutcome', path);
      }
    });

    it('searches with POST _search and a form body', async () => {
      const res = await portico.app.inject({
        method: 'POST',
        url: '/fhir/Patient/_search',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/fhir+json', authorization: ROOT_AUTHORIZATION },
        payload: 'gender=male&_sort=birthdate',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().entry.map((e: { resource: { id: string } }) => e.resource.id), [id.peter, id.jose]);
    });

    it('searches the whole system, optionally by _type', async () => {
      const all = await search(`?_id=${id.peter},${id.org}`);
      assert.deepEqual(ids(all), names('peter', 'org'));
      const typed = await search('?_type=Organization,Patient&name=acme');
      assert.deepEqual(ids(typed), names('org'));
      const tagged = await search('?_tag=urn:tags|vip');
      assert.deepEqual(ids(tagged), names('peter'));
    });

    it('matches conditional-create criteria with the same parser, strictly', async () => {
      const existing = await fhir.post('Patient', { resourceType: 'Patient' }, { 'if-none-exist': 'identifier=urn:mrn|MRN-1' });
      assert.equal(existing.status, 200, existing.text);
      assert.equal(existing.body.id, id.peter);
      const unknown = await fhir.post('Patient', { resourceType: 'Patient' }, { 'if-none-exist': 'bogus=1' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.resourceType, 'OperationOutcome');
    });

    it('keeps search results in step with updates and deletes', async () => {
      const tmp = await create('tmp', { resourceType: 'Patient', name: [{ family: 'Transient' }] });
      assert.deepEqual(ids(await search('Patient?family=transient')), [tmp]);
      await fhir.put(`Patient/${tmp}`, { resourceType: 'Patient', id: tmp, name: [{ family: 'Changed' }] });
      assert.deepEqual(ids(await search('Patient?family=transient')), []);
      assert.deepEqual(ids(await search('Patient?family=changed')), [tmp]);
      await fhir.delete(`Patient/${tmp}`);
      assert.deepEqual(ids(await search('Patient?family=changed')), []);
    });
  });

  describe(`FHIR search paging (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver, { FHIR_DEFAULT_PAGE_SIZE: '3', FHIR_MAX_PAGE_SIZE: '5' });
      fhir = fhirClient(portico.app);
      for (let i = 0; i < 10; i++) {
        const res = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: `Page${String(i).padStart(2, '0')}` }], birthDate: `19${50 + i}-01-01` });
        assert.equal(res.status, 201);
      }
    });
    after(() => portico.stop());

    const link = (res: FhirReply, relation: string): string | undefined =>
      res.body.link.find((l: { relation: string }) => l.relation === relation)?.url;
    const get = (url: string) => fhir.get(url.slice(`${BASE}/`.length));
    const families = (res: FhirReply): string[] => res.body.entry.map((e: { resource: { name: { family: string }[] } }) => e.resource.name[0]?.family);

    it('applies the default and maximum page sizes', async () => {
      assert.equal((await fhir.get('Patient')).body.entry.length, 3);
      assert.equal((await fhir.get('Patient?_count=50')).body.entry.length, 5);
    });

    it('pages forward and back without skips or repeats while others are inserted and deleted', async () => {
      const first = await fhir.get('Patient?_sort=family&_count=4');
      assert.deepEqual(families(first), ['Page00', 'Page01', 'Page02', 'Page03']);
      assert.equal(link(first, 'previous'), undefined);
      assert.equal(first.body.total, 10);
      // Between page fetches: one resource before the cursor is deleted, one inserted before it, one after.
      const before = await fhir.get('Patient?family:exact=Page01');
      await fhir.delete(`Patient/${before.body.entry[0].resource.id}`);
      await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Page00a' }] });
      await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Page05a' }] });
      const second = await get(link(first, 'next') ?? assert.fail('no next link'));
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(families(second), ['Page04', 'Page05', 'Page05a', 'Page06']);
      const third = await get(link(second, 'next') ?? assert.fail('no next link'));
      assert.deepEqual(families(third), ['Page07', 'Page08', 'Page09']);
      assert.equal(link(third, 'next'), undefined);
      const back = await get(link(third, 'previous') ?? assert.fail('no previous link'));
      assert.deepEqual(families(back), ['Page04', 'Page05', 'Page05a', 'Page06']);
      const backAgain = await get(link(back, 'previous') ?? assert.fail('no previous link'));
      assert.deepEqual(families(backAgain), ['Page00', 'Page00a', 'Page02', 'Page03']);
      assert.match(link(second, 'self') ?? '', /_sort=family/);
    });

    it('pages on a descending date sort', async () => {
      const seen: string[] = [];
      let res = await fhir.get('Patient?_sort=-birthdate&birthdate=lt2000&_count=4');
      for (;;) {
        seen.push(...families(res));
        const next = link(res, 'next');
        if (!next) break;
        res = await get(next);
      }
      assert.deepEqual(seen, ['Page09', 'Page08', 'Page07', 'Page06', 'Page05', 'Page04', 'Page03', 'Page02', 'Page00']);
    });

    it('refuses a page token made for another sort', async () => {
      const first = await fhir.get('Patient?_sort=family&_count=2');
      const token = new URL(link(first, 'next') ?? assert.fail('no next')).searchParams.get('_page_token') ?? '';
      const res = await fhir.get(`Patient?_sort=birthdate&_count=2&_page_token=${token}`);
      assert.equal(res.status, 400);
    });
  });
}
