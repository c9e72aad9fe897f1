import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const UCUM = 'http://unitsofmeasure.org';

function assertRefused(res: FhirReply, status: number, code: string, expressions?: string[]) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.ok(res.body.issue.some((i: { code: string }) => i.code === code), res.text);
  if (expressions) assert.deepEqual(res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []).sort(), [...expressions].sort(), res.text);
}

/** The value of a named output parameter (valueX of any type). */
function parameter(res: FhirReply, name: string): unknown {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.resourceType, 'Parameters', res.text);
  const found = res.body.parameter.find((p: { name: string }) => p.name === name);
  if (!found) return undefined;
  const key = Object.keys(found).find((k) => k.startsWith('value'));
  return key !== undefined ? found[key] : found.part;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

for (const driver of drivers) {
  describe(`FHIR terminology over HTTP (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    describe('required bindings on writes', () => {
      it('creates a Patient of gender male, refuses gender sometimes with 422 at Patient.gender', async () => {
        assert.equal((await fhir.post('Patient', { resourceType: 'Patient', gender: 'male' })).status, 201);
        assertRefused(await fhir.post('Patient', { resourceType: 'Patient', gender: 'sometimes' }), 422, 'code-invalid', ['Patient.gender']);
      });

      it('refuses an Observation of status bogus, and an update to one', async () => {
        const good = { resourceType: 'Observation', status: 'final', code: { text: 'weight' } };
        const created = await fhir.post('Observation', good);
        assert.equal(created.status, 201, created.text);
        assertRefused(await fhir.post('Observation', { ...good, status: 'bogus' }), 422, 'code-invalid', ['Observation.status']);
        assertRefused(await fhir.put(`Observation/${created.body.id}`, { ...good, id: created.body.id, status: 'bogus' }), 422, 'code-invalid', ['Observation.status']);
        assert.equal((await fhir.get(`Observation/${created.body.id}`)).body.status, 'final');
      });

      it('creates a Quantity in kg, refuses one in kilogramz (not UCUM)', async () => {
        const weight = (code: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, valueQuantity: { value: 70, unit: code, system: UCUM, code } });
        assert.equal((await fhir.post('Observation', weight('kg'))).status, 201);
        assertRefused(await fhir.post('Observation', weight('kilogramz')), 422, 'code-invalid', ['Observation.value.ofType(Quantity).code']);
      });
    });

    describe('ValueSet/$expand', () => {
      it('expands a value set by url (GET), with expansion total, timestamp and contains', async () => {
        const res = await fhir.get(`ValueSet/$expand?${q({ url: GENDER })}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.resourceType, 'ValueSet');
        assert.equal(res.body.url, GENDER);
        const { expansion } = res.body;
        assert.equal(expansion.total, 4);
        assert.match(expansion.identifier, /^urn:uuid:/);
        assert.ok(!Number.isNaN(Date.parse(expansion.timestamp)));
        assert.deepEqual(expansion.contains.map((c: { code: string }) => c.code), ['male', 'female', 'other', 'unknown']);
      });

      it('filters and pages (POST Parameters), echoing the parameters', async () => {
        const res = await fhir.post('ValueSet/$expand', {
          resourceType: 'Parameters',
          parameter: [{ name: 'url', valueUri: GENDER }, { name: 'filter', valueString: 'male' }, { name: 'count', valueInteger: 1 }, { name: 'offset', valueInteger: 1 }],
        });
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.expansion.total, 2);
        assert.equal(res.body.expansion.offset, 1);
        assert.deepEqual(res.body.expansion.contains.map((c: { code: string }) => c.code), ['female']);
        assert.deepEqual(res.body.expansion.parameter.map((p: { name: string }) => p.name), ['filter', 'count', 'offset']);
      });

      it('answers 404 for an unknown value set, 400 for bad input, 422 for an expansion too large or not enumerable', async () => {
        assertRefused(await fhir.get(`ValueSet/$expand?${q({ url: 'http://example.org/ValueSet/none' })}`), 404, 'not-found');
        assertRefused(await fhir.get('ValueSet/$expand'), 400, 'invalid');
        assertRefused(await fhir.get(`ValueSet/$expand?${q({ url: GENDER, count: '-1' })}`), 400, 'invalid');
        assertRefused(await fhir.post('ValueSet/$expand', { resourceType: 'Patient' }), 400, 'invalid');
        const big = await fhir.get(`ValueSet/$expand?${q({ url: 'http://terminology.hl7.org/ValueSet/v3-ActCode' })}`);
        assertRefused(big, 422, 'too-costly');
        assert.match(big.body.issue[0].diagnostics, /count/);
        const paged = await fhir.get(`ValueSet/$expand?${q({ url: 'http://terminology.hl7.org/ValueSet/v3-ActCode', count: '5' })}`);
        assert.equal(paged.status, 200, paged.text);
        assert.equal(paged.body.expansion.contains.length, 5);
        assertRefused(await fhir.get(`ValueSet/$expand?${q({ url: 'http://hl7.org/fhir/ValueSet/observation-codes' })}`), 422, 'not-supported');
      });

      it('runs inside a batch', async () => {
        const res = await fhir.post('', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `ValueSet/$expand?${q({ url: GENDER, count: '2' })}` } }] });
        assert.equal(res.status, 200, res.text);
        assert.match(res.body.entry[0].response.status, /^200/);
        assert.equal(res.body.entry[0].resource.expansion.contains.length, 2);
      });
    });

    describe('CodeSystem/$lookup', () => {
      it('looks a code up by system and code (GET) or coding (POST)', async () => {
        const res = await fhir.get(`CodeSystem/$lookup?${q({ system: ACT_CODE, code: 'AMB' })}`);
        assert.equal(parameter(res, 'display'), 'ambulatory');
        assert.equal(parameter(res, 'name'), 'v3.ActCode');
        const parent = res.body.parameter.find((p: { name: string; part: { name: string; valueCode: string }[] }) => p.name === 'property' && p.part[0]?.valueCode === 'parent');
        assert.equal(parent.part[1].valueCode, '_ActEncounterCode');
        const post = await fhir.post('CodeSystem/$lookup', { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' } }] });
        assert.equal(parameter(post, 'display'), 'Female');
      });

      it('answers 404 for an unknown code system or code, 400 without a code', async () => {
        assertRefused(await fhir.get(`CodeSystem/$lookup?${q({ system: 'http://snomed.info/sct', code: '22298006' })}`), 404, 'not-found');
        assertRefused(await fhir.get(`CodeSystem/$lookup?${q({ system: ACT_CODE, code: 'NOPE' })}`), 404, 'not-found');
        assertRefused(await fhir.get(`CodeSystem/$lookup?${q({ system: ACT_CODE })}`), 400, 'invalid');
      });
    });

    describe('$validate-code', () => {
      it('validates a code against a value set: true, false, and false with a message when it cannot decide', async () => {
        const valid = await fhir.get(`ValueSet/$validate-code?${q({ url: GENDER, code: 'male' })}`);
        assert.equal(parameter(valid, 'result'), true);
        assert.equal(parameter(valid, 'display'), 'Male');
        const invalid = await fhir.get(`ValueSet/$validate-code?${q({ url: GENDER, code: 'sometimes' })}`);
        assert.equal(parameter(invalid, 'result'), false);
        assert.match(String(parameter(invalid, 'message')), /sometimes/);
        const undecided = await fhir.get(`ValueSet/$validate-code?${q({ url: 'http://hl7.org/fhir/ValueSet/observation-codes', system: 'http://loinc.org', code: '29463-7' })}`);
        assert.equal(parameter(undecided, 'result'), false);
        assert.match(String(parameter(undecided, 'message')), /cannot be decided/);
      });

      it('validates a CodeableConcept (POST): any coding in the value set will do', async () => {
        const concept = (code: string) => ({ coding: [{ system: 'http://example.org/local', code: 'x' }, { system: 'http://hl7.org/fhir/administrative-gender', code }] });
        const body = (code: string) => ({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: GENDER }, { name: 'codeableConcept', valueCodeableConcept: concept(code) }] });
        assert.equal(parameter(await fhir.post('ValueSet/$validate-code', body('female')), 'result'), true);
        assert.equal(parameter(await fhir.post('ValueSet/$validate-code', body('sometimes')), 'result'), false);
      });

      it('validates a code and display against a code system', async () => {
        assert.equal(parameter(await fhir.get(`CodeSystem/$validate-code?${q({ url: ACT_CODE, code: 'AMB' })}`), 'result'), true);
        const wrongDisplay = await fhir.get(`CodeSystem/$validate-code?${q({ url: ACT_CODE, code: 'AMB', display: 'inpatient' })}`);
        assert.equal(parameter(wrongDisplay, 'result'), false);
        assert.equal(parameter(wrongDisplay, 'display'), 'ambulatory');
        assert.equal(parameter(await fhir.get(`CodeSystem/$validate-code?${q({ url: ACT_CODE, code: 'NOPE' })}`), 'result'), false);
      });

      it('answers 404 for an unknown value set or code system, 400 without a code', async () => {
        assertRefused(await fhir.get(`ValueSet/$validate-code?${q({ url: 'http://example.org/ValueSet/none', code: 'x' })}`), 404, 'not-found');
        assertRefused(await fhir.get(`CodeSystem/$validate-code?${q({ url: 'http://snomed.info/sct', code: '22298006' })}`), 404, 'not-found');
        assertRefused(await fhir.get(`ValueSet/$validate-code?${q({ url: GENDER })}`), 400, 'invalid');
        assertRefused(await fhir.get(`ValueSet/$validate-code?${q({ url: GENDER, code: 'male', codeableConcept: 'x' })}`), 400, 'invalid');
      });
    });
  });
}
