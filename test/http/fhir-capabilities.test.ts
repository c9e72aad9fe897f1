import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

interface ResourceCapability {
  type: string;
  interaction: { code: string }[];
  searchParam: { name: string; definition: string; type: string }[];
  searchInclude: string[];
  searchRevInclude: string[];
  supportedProfile?: string[];
  [key: string]: unknown;
}

for (const driver of drivers) {
  describe(`FHIR CapabilityStatement (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('describes the server: version, formats, US Core and system interactions', async () => {
      const res = await fhir.get('metadata');
      assert.equal(res.status, 200);
      const cs = res.body;
      assert.equal(cs.resourceType, 'CapabilityStatement');
      assert.equal(cs.status, 'active');
      assert.equal(cs.kind, 'instance');
      assert.equal(cs.fhirVersion, '4.0.1');
      assert.ok(!Number.isNaN(Date.parse(cs.date)));
      assert.deepEqual(cs.format, ['json', 'application/fhir+json']);
      assert.deepEqual(cs.patchFormat, ['application/json-patch+json', 'application/fhir+json']);
      assert.equal(cs.software.name, 'Portico');
      assert.equal(cs.implementation.url, `${TEST_BASE_URL}/fhir`);
      assert.deepEqual(cs.instantiates, ['http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server', 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data']);
      assert.deepEqual(cs.implementationGuide, ['http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|6.1.0']);
      assert.equal(cs.rest.length, 1);
      assert.equal(cs.rest[0].mode, 'server');
      assert.deepEqual(cs.rest[0].interaction.map((i: { code: string }) => i.code).sort(),
        ['batch', 'history-system', 'search-system', 'transaction']);
    });

    it('lists every resource type with its interactions, search parameters, includes and profiles', async () => {
      const cs = (await fhir.get('metadata')).body;
      const resources: ResourceCapability[] = cs.rest[0].resource;
      assert.ok(resources.length > 140);
      const patient = resources.find((r) => r.type === 'Patient');
      assert.ok(patient);
      assert.deepEqual(patient.interaction.map((i) => i.code).sort(),
        ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread']);
      assert.equal(patient.versioning, 'versioned-update');
      assert.equal(patient.readHistory, true);
      assert.equal(patient.updateCreate, true);
      assert.equal(patient.conditionalCreate, true);
      assert.equal(patient.conditionalUpdate, true);
      assert.equal(patient.conditionalDelete, 'single');
      assert.equal(patient.conditionalRead, 'full-support');
      const param = (name: string) => patient.searchParam.find((p) => p.name === name);
      assert.deepEqual(param('name'), { name: 'name', definition: 'http://hl7.org/fhir/SearchParameter/Patient-name', type: 'string' });
      assert.equal(param('_id')?.type, 'token');
      assert.equal(param('_lastUpdated')?.type, 'date');
      assert.equal(param('identifier')?.type, 'token');
      // Not indexed by the search engine, so not advertised.
      assert.equal(param('_text'), undefined);
      // Every indexed parameter of Patient (R4 and US Core), and no composite or special one.
      assert.deepEqual(patient.searchParam.map((p) => p.name).sort(), [
        '_id', '_lastUpdated', '_profile', '_security', '_source', '_tag', 'active', 'address', 'address-city', 'address-country',
        'address-postalcode', 'address-state', 'address-use', 'birthdate', 'death-date', 'deceased', 'email', 'ethnicity', 'family',
        'gender', 'gender-identity', 'general-practitioner', 'given', 'identifier', 'language', 'link', 'name', 'organization', 'phone',
        'phonetic', 'race', 'telecom',
      ]);
      assert.ok(patient.searchParam.every((p) => p.type !== 'composite' && p.type !== 'special'));
      assert.ok(patient.searchInclude.includes('Patient:general-practitioner'));
      assert.ok(patient.searchRevInclude.includes('Provenance:target'));
      assert.ok(patient.searchRevInclude.includes('Observation:subject'));
      assert.ok(patient.supportedProfile?.includes('http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'));

      const observation = resources.find((r) => r.type === 'Observation');
      assert.ok(observation?.supportedProfile?.includes('http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs'));
      assert.ok(observation?.searchParam.some((p) => p.name === 'code' && p.type === 'token'));
      assert.ok(observation?.searchRevInclude.includes('Provenance:target'));
      // A type without a US Core profile still gets an entry, without supportedProfile.
      const account = resources.find((r) => r.type === 'Account');
      assert.ok(account);
      assert.equal(account.supportedProfile, undefined);
    });

    it('serves the same statement to every request', async () => {
      const a = (await fhir.get('metadata')).body;
      const b = (await fhir.get('metadata')).body;
      assert.equal(a.date, b.date);
    });
  });
}
