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

    it('serves the same bytes to every request, with an ETag that answers If-None-Match with 304', async () => {
      const a = await fhir.get('metadata');
      const b = await fhir.get('metadata');
      assert.equal(a.status, 200);
      assert.equal(a.text, b.text);
      assert.match(String(a.headers['content-type']), /^application\/fhir\+json/);
      const etag = String(a.headers.etag);
      assert.match(etag, /^"[\w-]+"$/);
      assert.equal(b.headers.etag, etag);
      const unchanged = await fhir.get('metadata', { 'if-none-match': etag });
      assert.equal(unchanged.status, 304);
      assert.equal(unchanged.text, '');
      assert.equal((await fhir.get('metadata', { 'if-none-match': '"another"' })).status, 200);
      // Pretty-printed on request: the same statement.
      const pretty = await fhir.get('metadata?_pretty=true');
      assert.equal(pretty.status, 200);
      assert.ok(pretty.text.includes('\n  "resourceType"'));
      assert.deepEqual(pretty.body, a.body);
    });

    it('lists the operations of the operation table, at their levels, with their definitions', async () => {
      const VALIDATE = { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' };
      const cs = (await fhir.get('metadata')).body;
      const rest = cs.rest[0];
      assert.deepEqual(rest.operation, [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }]);
      const operationsOf = (type: string) => (rest.resource as ResourceCapability[]).find((r) => r.type === type)?.operation;
      assert.deepEqual(operationsOf('Patient'), [
        { name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' },
        { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
        VALIDATE,
      ]);
      assert.deepEqual(operationsOf('Group'), [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }, VALIDATE]);
      assert.deepEqual(operationsOf('Observation'), [VALIDATE]);
      // AuditEvents are the audit trail's: read, never written.
      assert.deepEqual((rest.resource as ResourceCapability[]).find((r) => r.type === 'AuditEvent')?.interaction.map((i) => i.code).sort(),
        ['history-instance', 'read', 'search-type', 'vread']);
    });

    it('answers _summary=true with the summary elements only, much smaller, and still a valid CapabilityStatement', async () => {
      const whole = await fhir.get('metadata');
      const res = await fhir.get('metadata?_summary=true');
      assert.equal(res.status, 200, res.text);
      assert.ok(res.text.length * 20 < whole.text.length, `${res.text.length} bytes against ${whole.text.length}`);
      const cs = res.body;
      assert.ok(cs.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED'));
      for (const element of ['status', 'date', 'kind', 'fhirVersion', 'format', 'instantiates', 'software', 'implementation', 'implementationGuide']) {
        assert.deepEqual(cs[element], whole.body[element], element);
      }
      const rest = cs.rest[0];
      assert.equal(rest.mode, 'server');
      assert.equal(rest.interaction, undefined);
      assert.equal(rest.searchParam, undefined);
      assert.deepEqual(rest.operation, whole.body.rest[0].operation);
      const patient = rest.resource.find((r: ResourceCapability) => r.type === 'Patient');
      assert.deepEqual(Object.keys(patient).sort(), ['operation', 'supportedProfile', 'type']);
      assert.equal(rest.resource.length, whole.body.rest[0].resource.length);
      // This server's own validator accepts it as a CapabilityStatement; the whole one is accepted too.
      const { meta: _meta, ...summary } = cs;
      const stored = await fhir.put('CapabilityStatement/summary', { ...summary, id: 'summary' });
      assert.equal(stored.status, 201, stored.text);
      const { meta: _wholeMeta, ...full } = whole.body;
      const storedWhole = await fhir.put('CapabilityStatement/whole', { ...full, id: 'whole' });
      assert.equal(storedWhole.status, 201, storedWhole.text);
      assert.equal(res.headers.etag === whole.headers.etag, false);
      assert.equal((await fhir.get('metadata?_summary=true')).text, res.text);
    });

    it('answers _summary=text and data, _elements, and refuses _summary=count and values that are not summary modes', async () => {
      const whole = (await fhir.get('metadata')).body;
      const text = (await fhir.get('metadata?_summary=text')).body;
      assert.deepEqual(Object.keys(text).sort(), ['date', 'fhirVersion', 'format', 'kind', 'meta', 'resourceType', 'status']);
      const data = await fhir.get('metadata?_summary=data');
      assert.equal(data.status, 200);
      assert.deepEqual(data.body.rest, whole.rest);
      assert.ok(data.body.meta.tag.some((t: { code: string }) => t.code === 'SUBSETTED'));

      const elements = (await fhir.get('metadata?_elements=rest')).body;
      assert.deepEqual(elements.rest, whole.rest);
      assert.equal(elements.software, undefined);
      assert.equal(elements.instantiates, undefined);
      // Mandatory elements stay, so that it is still a CapabilityStatement.
      assert.equal(elements.kind, 'instance');
      assert.equal(elements.fhirVersion, '4.0.1');
      const two = (await fhir.get('metadata?_elements=instantiates,software')).body;
      assert.deepEqual(two.instantiates, whole.instantiates);
      assert.equal(two.rest, undefined);

      assert.equal((await fhir.get('metadata?_summary=false')).text, (await fhir.get('metadata')).text);
      const count = await fhir.get('metadata?_summary=count');
      assert.equal(count.status, 400, count.text);
      assert.equal(count.body.resourceType, 'OperationOutcome');
      assert.equal((await fhir.get('metadata?_summary=maybe')).status, 400);
      assert.equal((await fhir.get('metadata?_elements=not%20an%20element')).status, 400);
    });
  });
}
