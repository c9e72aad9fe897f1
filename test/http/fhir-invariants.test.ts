import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/** A 422 OperationOutcome whose errors are exactly these (diagnostics prefix, location) pairs. */
function assertRefused(res: FhirReply, expected: [prefix: string, expression: string][]) {
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  const errors = (res.body.issue as { severity: string; diagnostics: string; expression?: string[] }[]).filter((i) => i.severity === 'error');
  assert.equal(errors.length, expected.length, res.text);
  for (const [prefix, expression] of expected) {
    assert.ok(errors.some((i) => i.diagnostics.startsWith(prefix) && i.expression?.[0] === expression), `${prefix} @ ${expression} in ${res.text}`);
  }
}

const brokenPatient = { resourceType: 'Patient', contact: [{ relationship: [{ text: 'neighbour' }] }] };
const fixedPatient = { resourceType: 'Patient', contact: [{ relationship: [{ text: 'neighbour' }], name: { family: 'Doe' } }] };
const brokenObservation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' }, valueQuantity: { value: 72 }, dataAbsentReason: { text: 'not measured' } };
const { dataAbsentReason: _dropped, ...fixedObservation } = brokenObservation;
const unknownExtension = { url: 'http://example.org/fhir/StructureDefinition/favourite-colour', valueString: 'green' };

for (const driver of drivers) {
  for (const unknownExtensions of ['warn', 'error'] as const) {
    describe(`FHIR invariants and extensions over HTTP (${driver}, VALIDATION_UNKNOWN_EXTENSIONS=${unknownExtensions})`, () => {
      let portico: TestPortico;
      let fhir: FhirClient;
      before(async () => {
        portico = await startPortico(driver, { VALIDATION_UNKNOWN_EXTENSIONS: unknownExtensions });
        fhir = fhirClient(portico.app);
      });
      after(() => portico.stop());

      it('creates a Patient with a contact that has a name (201), refuses one breaking pat-1 (422 at the contact)', async () => {
        assert.equal((await fhir.post('Patient', fixedPatient)).status, 201);
        assertRefused(await fhir.post('Patient', brokenPatient), [['pat-1:', 'Patient.contact[0]']]);
      });

      it('creates an Observation with a value (201), refuses one with a value and a dataAbsentReason (obs-6, 422)', async () => {
        assert.equal((await fhir.post('Observation', fixedObservation)).status, 201);
        assertRefused(await fhir.post('Observation', brokenObservation), [['obs-6:', 'Observation']]);
      });

      it(`answers an unknown extension with ${unknownExtensions === 'warn' ? '201 (a warning only)' : '422'}`, async () => {
        const res = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Doe', extension: [unknownExtension] }] });
        if (unknownExtensions === 'warn') assert.equal(res.status, 201, res.text);
        else assertRefused(res, [['The extension http://example.org/fhir/StructureDefinition/favourite-colour is not known', 'Patient.name[0].extension[0]']]);
      });

      it('refuses an unknown modifierExtension with 422 whatever the setting; a known extension is created', async () => {
        const known = { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Paris' } };
        assert.equal((await fhir.post('Patient', { resourceType: 'Patient', extension: [known] })).status, 201);
        assertRefused(await fhir.post('Patient', { resourceType: 'Patient', modifierExtension: [unknownExtension] }), [
          ['The extension http://example.org/fhir/StructureDefinition/favourite-colour is not known', 'Patient.modifierExtension[0]'],
        ]);
      });
    });
  }
}
