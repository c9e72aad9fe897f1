import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createIndexer } from '../../src/fhir/search/indexer.ts';
import { createSearchParameterRegistry } from '../../src/fhir/search/registry.ts';
import { reindexQueued } from '../../src/storage/search-reindex.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { definitions, drivers, startPortico, type TestPortico } from '../support/portico.ts';

const UCUM = 'http://unitsofmeasure.org';
const GENDER = 'http://hl7.org/fhir/administrative-gender';
const SUBSETTED = (r: { meta?: { tag?: { code: string }[] } }) => (r.meta?.tag ?? []).some((t) => t.code === 'SUBSETTED');

/** Ids of the match entries of a searchset, sorted. */
function ids(res: FhirReply): string[] {
  assert.equal(res.status, 200, res.text);
  return (res.body.entry ?? []).filter((e: { search: { mode: string } }) => e.search.mode === 'match').map((e: { resource: { id: string } }) => e.resource.id).sort();
}

for (const driver of drivers) {
  describe(`FHIR search gaps (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    const id: Record<string, string> = {};
    const names = (...keys: string[]) => keys.map((k) => id[k] ?? `missing-${k}`).sort();
    const search = (path: string) => fhir.get(path);
    const create = async (key: string, resource: Record<string, unknown>) => {
      const res = await fhir.post(String(resource.resourceType), resource);
      assert.equal(res.status, 201, res.text);
      id[key] = res.body.id;
    };
    const weight = (key: string, value: number, code: string) =>
      create(key, {
        resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
        valueQuantity: { value, unit: code, system: UCUM, code },
      });
    const risk = (key: string, probability: number) =>
      create(key, { resourceType: 'RiskAssessment', status: 'final', subject: { reference: `Patient/${id.jose}` }, prediction: [{ probabilityDecimal: probability }] });

    before(async () => {
      portico = await startPortico(driver, { FHIR_MAX_INCLUDES: '2' });
      fhir = fhirClient(portico.app);
      await create('jose', {
        resourceType: 'Patient', gender: 'male', name: [{ family: 'Núñez', given: ['José', 'María'], extension: [{ url: 'http://example.org/x', valueString: 'y' }] }],
        address: [{ use: 'home', city: 'Sevilla' }], contact: [{ name: { family: 'Núñez' } }], birthDate: '1980-03-01',
      });
      await create('anna', { resourceType: 'Patient', gender: 'female', name: [{ family: 'Smith', given: ['Anna'] }] });
      await create('nogender', { resourceType: 'Patient', name: [{ family: 'Doe' }] });
      await weight('grams', 1500, 'g');
      await weight('kilos', 72.5, 'kg');
      await weight('half', 0.5, 'kg');
      await create('glucose', {
        resourceType: 'Observation', status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '1558-6', display: 'Glucose à jeun' }], text: 'Glycémie', extension: [{ url: 'http://example.org/x', valueString: 'y' }] },
        subject: { reference: `Patient/${id.jose}` },
        valueQuantity: { value: 100, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
        note: [{ text: 'fasting' }],
        component: [{
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 120, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]', extension: [{ url: 'http://example.org/x', valueString: 'y' }] },
          interpretation: [{ text: 'normal' }],
        }],
      });
      for (const [key, p] of [['r9', 9], ['r9.6', 9.6], ['r10', 10], ['r10.4', 10.4], ['r10.5', 10.5], ['r11', 11]] as const) await risk(key, p);
    });
    after(() => portico.stop());

    it('indexes a code with the code system of its binding: system|code, |code and system| per FHIR R4 search.html#token', async () => {
      assert.deepEqual(ids(await search('Patient?gender=male')), names('jose'));
      assert.deepEqual(ids(await search(`Patient?gender=${GENDER}|male`)), names('jose'));
      assert.deepEqual(ids(await search(`Patient?gender=${GENDER}|`)), names('anna', 'jose'));
      assert.deepEqual(ids(await search('Patient?gender=http://example.org/other|male')), []);
      // `|code` asks for a code without a system: a bound code has one, implicitly.
      assert.deepEqual(ids(await search('Patient?gender=|male')), []);
      assert.deepEqual(ids(await search('Patient?gender:not=male')), names('anna', 'nogender'));
      // In a data type (Address.use) and on another resource.
      assert.deepEqual(ids(await search('Patient?address-use=http://hl7.org/fhir/address-use|home')), names('jose'));
      assert.equal(ids(await search('Observation?status=http://hl7.org/fhir/observation-status|final')).length, 4);
      assert.deepEqual(ids(await search('Observation?status=http://hl7.org/fhir/observation-status|amended')), []);
    });

    it('compares UCUM quantities in canonical units; others as written', async () => {
      assert.deepEqual(ids(await search(`Observation?value-quantity=1500|${UCUM}|g`)), names('grams'));
      assert.deepEqual(ids(await search(`Observation?value-quantity=gt1|${UCUM}|kg`)), names('grams', 'kilos'));
      assert.deepEqual(ids(await search(`Observation?value-quantity=1.5|${UCUM}|kg`)), names('grams'));
      assert.deepEqual(ids(await search(`Observation?value-quantity=lt1|${UCUM}|kg`)), names('half'));
      assert.deepEqual(ids(await search(`Observation?value-quantity=ge500000|${UCUM}|mg`)), names('grams', 'half', 'kilos'));
      assert.deepEqual(ids(await search(`Observation?value-quantity=1|${UCUM}|g/L`)), names('glucose'), '100 mg/dL is 1 g/L');
      // Without a system, units compare as written, and no canonical value shows through.
      assert.deepEqual(ids(await search('Observation?value-quantity=gt1||kg')), names('kilos'));
      assert.deepEqual(ids(await search('Observation?value-quantity=gt400')), names('grams'));
      // A unit that is no UCUM code is compared as written (nothing has it).
      assert.deepEqual(ids(await search(`Observation?value-quantity=1|${UCUM}|notaunit`)), []);
      // Values in canonical and as written, ORed.
      assert.deepEqual(ids(await search(`Observation?value-quantity=1.5|${UCUM}|kg,72.5||kg`)), names('grams', 'kilos'));
    });

    it('compares numbers on the precision of the value: eq and ne on its range, gt/lt/ge/le exactly, sa/eb on both ranges', async () => {
      assert.deepEqual(ids(await search('RiskAssessment?probability=10')), names('r9.6', 'r10', 'r10.4'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=10.0')), names('r10'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=1e1')), names('r10', 'r10.4', 'r10.5', 'r11', 'r9', 'r9.6'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=ne10')), names('r9', 'r10.5', 'r11'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=gt10')), names('r10.4', 'r10.5', 'r11'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=ge10')), names('r10', 'r10.4', 'r10.5', 'r11'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=lt10')), names('r9', 'r9.6'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=le10')), names('r9', 'r9.6', 'r10'));
      // sa: the stored value's range [10.45, 10.55) of 10.5 touches [9.5, 10.5); 11's [10.5, 11.5) does not.
      assert.deepEqual(ids(await search('RiskAssessment?probability=sa10')), names('r11'));
      assert.deepEqual(ids(await search('RiskAssessment?probability=eb10')), names('r9'));
    });

    it('folds accents and case for :text on tokens and strings, as string search does', async () => {
      assert.deepEqual(ids(await search('Observation?code:text=glucose')), names('glucose'));
      assert.deepEqual(ids(await search('Observation?code:text=JEUN')), names('glucose'));
      assert.deepEqual(ids(await search('Observation?code:text=glycemie')), names('glucose'));
      assert.deepEqual(ids(await search('Observation?code:text=jeune')), []);
      assert.deepEqual(ids(await search('Patient?name=jose')), names('jose'));
      assert.deepEqual(ids(await search('Patient?name:text=jose')), names('jose'));
      assert.deepEqual(ids(await search('Patient?name:text=MARIA')), names('jose'));
      assert.deepEqual(ids(await search('Patient?name:text=aria')), []);
    });

    it('says in an OperationOutcome entry when an include rule found more than FHIR_MAX_INCLUDES', async () => {
      const within = await search(`Patient?_id=${id.anna}&_revinclude=RiskAssessment:subject`);
      assert.equal(within.status, 200, within.text);
      assert.equal(within.body.entry.filter((e: { search: { mode: string } }) => e.search.mode === 'outcome').length, 0);
      const cut = await search(`Patient?_id=${id.jose}&_revinclude=RiskAssessment:subject`);
      assert.equal(cut.status, 200, cut.text);
      const modes = cut.body.entry.map((e: { search: { mode: string } }) => e.search.mode);
      assert.deepEqual(modes, ['match', 'include', 'include', 'outcome']);
      const outcome = cut.body.entry[3].resource;
      assert.equal(outcome.resourceType, 'OperationOutcome');
      assert.equal(outcome.issue[0].severity, 'warning');
      assert.equal(outcome.issue[0].code, 'too-costly');
    });

    it('_summary=true keeps the summary elements at every level', async () => {
      const whole = (await fhir.get(`Observation/${id.glucose}`)).body;
      assert.ok(whole.note && whole.component[0].interpretation && whole.code.extension && whole.component[0].valueQuantity.extension);
      const res = await search(`Observation?_id=${id.glucose}&_summary=true`);
      assert.equal(res.status, 200, res.text);
      const summary = res.body.entry[0].resource;
      assert.ok(SUBSETTED(summary));
      assert.equal(summary.note, undefined, 'note is not summary');
      assert.deepEqual(summary.subject, whole.subject);
      assert.deepEqual(summary.code.coding, whole.code.coding);
      assert.equal(summary.code.extension, undefined, 'Element.extension is not summary');
      assert.deepEqual(summary.component[0].code, whole.component[0].code);
      assert.equal(summary.component[0].interpretation, undefined, 'Observation.component.interpretation is not summary');
      assert.equal(summary.component[0].valueQuantity.value, 120);
      assert.equal(summary.component[0].valueQuantity.extension, undefined);
      const patient = (await fhir.get(`Patient/${id.jose}?_summary=true`)).body;
      assert.deepEqual(patient.name[0].given, ['José', 'María']);
      assert.equal(patient.name[0].extension, undefined);
      assert.equal(patient.contact, undefined);
      assert.ok(SUBSETTED(patient));
    });

    it('_elements on read, vread, history and included resources (Type.name), with id, meta and mandatory elements', async () => {
      const plain = await fhir.get(`Patient/${id.jose}`);
      assert.equal(plain.status, 200, plain.text);
      assert.ok(plain.body.name && !SUBSETTED(plain.body));
      const read = await fhir.get(`Patient/${id.jose}?_elements=gender`);
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(Object.keys(read.body).sort(), ['gender', 'id', 'meta', 'resourceType']);
      assert.ok(SUBSETTED(read.body));
      const vread = await fhir.get(`Patient/${id.jose}/_history/1?_elements=birthDate`);
      assert.equal(vread.status, 200, vread.text);
      assert.deepEqual(Object.keys(vread.body).sort(), ['birthDate', 'id', 'meta', 'resourceType']);
      const history = await fhir.get(`Patient/${id.jose}/_history?_elements=gender`);
      assert.equal(history.status, 200, history.text);
      assert.deepEqual(Object.keys(history.body.entry[0].resource).sort(), ['gender', 'id', 'meta', 'resourceType']);
      const obs = await fhir.get(`Observation/${id.glucose}?_elements=value`);
      assert.equal(obs.body.valueQuantity.value, 100);
      assert.equal(obs.body.status, 'final', 'status is mandatory');
      assert.equal(obs.body.subject, undefined);

      const included = await search(`Observation?_id=${id.glucose}&_include=Observation:subject&_elements=status,Patient.gender`);
      assert.equal(included.status, 200, included.text);
      const [match, patient] = included.body.entry.map((e: { resource: Record<string, unknown> }) => e.resource);
      assert.equal(match.status, 'final');
      assert.equal(match.subject, undefined);
      assert.deepEqual(Object.keys(patient).sort(), ['gender', 'id', 'meta', 'resourceType']);
      assert.ok(SUBSETTED(patient));
      const unnamed = await search(`Observation?_id=${id.glucose}&_include=Observation:subject&_elements=status`);
      assert.ok(unnamed.body.entry[1].resource.name, 'names without a type apply to the matches only');
      const summarized = await search(`Observation?_id=${id.glucose}&_include=Observation:subject&_summary=true`);
      assert.equal(summarized.body.entry[1].resource.contact, undefined);
      assert.ok(SUBSETTED(summarized.body.entry[1].resource));
    });

    it('refuses bad _summary and _elements on a read with a 400 OperationOutcome', async () => {
      for (const query of ['_summary=count', '_summary=maybe', '_elements=na-me']) {
        const res = await fhir.get(`Patient/${id.jose}?${query}`);
        assert.equal(res.status, 400, `${query}: ${res.text}`);
        assert.equal(res.body.resourceType, 'OperationOutcome');
      }
    });

    it('re-indexes a database indexed before codes carried their system (migration 027, at start)', async () => {
      const before = await search(`Patient?gender=${GENDER}|female`);
      assert.deepEqual(ids(before), names('anna'));
      // The rows as the earlier indexer wrote them: codes without a system, displays as written.
      await portico.db.query(`UPDATE search_token SET system = NULL WHERE resource_type = 'Patient' AND param = 'gender'`);
      await portico.db.query(`UPDATE search_token SET display = 'Glucose à jeun' WHERE resource_type = 'Observation' AND display = 'glucose a jeun'`);
      assert.deepEqual(ids(await search(`Patient?gender=${GENDER}|female`)), []);
      assert.deepEqual(ids(await search('Observation?code:text=glucose')), []);
      const migration = readFileSync(new URL('../../src/storage/migrations/027_search_reindex.sql', import.meta.url), 'utf8');
      const queue = migration.split(';').map((s) => s.replace(/^\s*--.*$/gm, '').trim()).find((s) => s.startsWith('INSERT'));
      assert.ok(queue);
      await portico.db.query(queue);
      const count = await reindexQueued(portico.db, createIndexer(createSearchParameterRegistry(definitions())));
      assert.ok(count >= 13, String(count));
      assert.deepEqual(ids(await search(`Patient?gender=${GENDER}|female`)), names('anna'));
      assert.deepEqual(ids(await search('Observation?code:text=glucose')), names('glucose'));
      assert.equal(await reindexQueued(portico.db, createIndexer(createSearchParameterRegistry(definitions()))), 0, 'the queue is empty once done');
    });
  });
}
