import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import type { OutcomeIssue } from '../../src/fhir/outcome.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { validExamples } from './validation-examples.ts';

const definitions = loadDefinitions();
const settings: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };
const { inspect } = createResourceValidation(definitions, validationChecks({ definitions, settings }), settings);

type Json = Record<string, unknown>;
const XHTML = 'http://www.w3.org/1999/xhtml';
const div = (inner: string) => `<div xmlns="${XHTML}">${inner}</div>`;
const UUID_A = 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a';
const UUID_B = 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0';

const found = (resource: Json, severity: OutcomeIssue['severity'] = 'error') =>
  inspect(resource, { purpose: 'validate' }).issues.filter((i) => i.severity === severity || (severity === 'error' && i.severity === 'fatal'));
const where = (issues: readonly OutcomeIssue[]) => issues.map((i) => i.expression?.[0] ?? '').sort();

const patient = (extra: Json = {}): Json => ({ resourceType: 'Patient', ...extra });
const observation = (extra: Json = {}): Json => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, ...extra });
const entry = (fullUrl: string | undefined, resource: Json, extra: Json = {}): Json => ({ ...(fullUrl ? { fullUrl } : {}), resource, ...extra });
const bundle = (type: string, entries: Json[], extra: Json = {}): Json => ({ resourceType: 'Bundle', type, ...(entries.length > 0 ? { entry: entries } : {}), ...extra });
const composition = (extra: Json = {}): Json => ({
  resourceType: 'Composition', id: 'c1', status: 'final', type: { text: 'summary' }, date: '2024-01-01', title: 'Summary',
  subject: { reference: 'Patient/p1' }, author: [{ reference: 'Patient/p1' }], ...extra,
});
/** A Composition that refers to nothing. */
const { subject: _subject, ...standalone } = composition({ author: [{ display: 'Dr X' }] });
const documentBundle = (entries: Json[], extra: Json = {}) =>
  bundle('document', entries, { identifier: { system: 'urn:ietf:rfc:3986', value: UUID_B }, timestamp: '2024-01-01T00:00:00Z', ...extra });
const post = (url: string) => ({ request: { method: 'POST', url } });

interface Case {
  readonly rule: string;
  readonly bad: Json;
  /** The FHIRPath of each error the broken resource gets. */
  readonly errors: readonly string[];
  /** The same resource with the rule kept. */
  readonly good: Json;
}

const cases: Case[] = [
  // Bundle rules (FHIR R4 bundle.html).
  {
    rule: 'fullUrl is absolute',
    bad: bundle('collection', [entry('Patient/1', patient({ id: '1' }))]),
    errors: ['Bundle.entry[0].fullUrl'],
    good: bundle('collection', [entry('http://example.org/fhir/Patient/1', patient({ id: '1' }))]),
  },
  {
    rule: 'a urn:uuid: fullUrl holds a UUID',
    bad: bundle('collection', [entry('urn:uuid:a1', patient())]),
    errors: ['Bundle.entry[0].fullUrl'],
    good: bundle('collection', [entry(UUID_A, patient())]),
  },
  {
    rule: 'a RESTful fullUrl ends in the resource type and id',
    bad: bundle('collection', [entry('http://example.org/fhir/Patient/2', patient({ id: '1' }))]),
    errors: ['Bundle.entry[0].fullUrl'],
    good: bundle('collection', [entry('http://example.org/fhir/Patient/1', patient({ id: '1' }))]),
  },
  {
    rule: 'bdl-7 fullUrls are unique',
    bad: bundle('collection', [entry(UUID_A, patient()), entry(UUID_A, patient())]),
    errors: ['Bundle.entry[1].fullUrl'],
    good: bundle('collection', [entry(UUID_A, patient()), entry(UUID_B, patient())]),
  },
  {
    rule: 'bdl-7 one fullUrl may hold different versions',
    bad: bundle('collection', [
      entry('http://example.org/fhir/Patient/1', patient({ id: '1', meta: { versionId: '1' } })),
      entry('http://example.org/fhir/Patient/1', patient({ id: '1', meta: { versionId: '1' } })),
    ]),
    errors: ['Bundle.entry[1].fullUrl'],
    good: bundle('collection', [
      entry('http://example.org/fhir/Patient/1', patient({ id: '1', meta: { versionId: '1' } })),
      entry('http://example.org/fhir/Patient/1', patient({ id: '1', meta: { versionId: '2' } })),
    ]),
  },
  {
    rule: 'bdl-8 fullUrl is not version specific',
    bad: bundle('collection', [entry('http://example.org/fhir/Patient/1/_history/1', patient({ id: '1' }))]),
    errors: ['Bundle.entry[0].fullUrl'],
    good: bundle('collection', [entry('http://example.org/fhir/Patient/1', patient({ id: '1' }))]),
  },
  {
    rule: 'bdl-1 total only in a searchset or history',
    bad: bundle('collection', [], { total: 0 }),
    errors: ['Bundle.total'],
    good: bundle('searchset', [], { total: 0 }),
  },
  {
    rule: 'bdl-2 entry.search only in a searchset',
    bad: bundle('collection', [entry(UUID_A, patient(), { search: { mode: 'match' } })]),
    errors: ['Bundle.entry[0].search'],
    good: bundle('searchset', [entry('http://example.org/fhir/Patient/1', patient({ id: '1' }), { search: { mode: 'match' } })]),
  },
  {
    rule: 'bdl-3 entry.request in a transaction',
    bad: bundle('transaction', [entry(UUID_A, patient())]),
    errors: ['Bundle.entry[0].request'],
    good: bundle('transaction', [entry(UUID_A, patient(), post('Patient'))]),
  },
  {
    rule: 'bdl-3 no entry.request in a collection',
    bad: bundle('collection', [entry(UUID_A, patient(), post('Patient'))]),
    errors: ['Bundle.entry[0].request'],
    good: bundle('collection', [entry(UUID_A, patient())]),
  },
  {
    rule: 'bdl-4 entry.response only in a response Bundle',
    bad: bundle('batch', [entry(UUID_A, patient(), { ...post('Patient'), response: { status: '201' } })]),
    errors: ['Bundle.entry[0].response'],
    good: bundle('batch-response', [{ response: { status: '201' } }]),
  },
  {
    rule: 'a search result has an id',
    bad: bundle('searchset', [entry('http://example.org/fhir/Patient/1', patient(), { search: { mode: 'match' } })]),
    errors: ['Bundle.entry[0].resource'],
    good: bundle('searchset', [entry('http://example.org/fhir/Patient/1', patient({ id: '1' }), { search: { mode: 'match' } })]),
  },
  {
    rule: 'a search outcome is an OperationOutcome',
    bad: bundle('searchset', [entry(undefined, patient({ id: '1' }), { search: { mode: 'outcome' } })]),
    errors: ['Bundle.entry[0].resource'],
    good: bundle('searchset', [entry(undefined, { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'processing' }] }, { search: { mode: 'outcome' } })]),
  },
  {
    rule: 'one link per relation',
    bad: bundle('searchset', [], { link: [{ relation: 'self', url: 'http://x/a' }, { relation: 'self', url: 'http://x/b' }] }),
    errors: ['Bundle.link[1]'],
    good: bundle('searchset', [], { link: [{ relation: 'self', url: 'http://x/a' }, { relation: 'next', url: 'http://x/b' }] }),
  },
  {
    rule: 'bdl-9, bdl-10 a document has an identifier and a timestamp',
    bad: bundle('document', [entry('http://example.org/fhir/Composition/c1', standalone)]),
    errors: ['Bundle.identifier', 'Bundle.timestamp'],
    good: documentBundle([entry('http://example.org/fhir/Composition/c1', standalone)]),
  },
  {
    rule: 'bdl-11 a document starts with a Composition',
    bad: documentBundle([entry('http://example.org/fhir/Patient/p1', patient({ id: 'p1' }))]),
    errors: ['Bundle.entry[0]'],
    good: documentBundle([
      entry('http://example.org/fhir/Composition/c1', composition()),
      entry('http://example.org/fhir/Patient/p1', patient({ id: 'p1' })),
    ]),
  },
  {
    rule: "a document's Composition subject and author resolve inside the Bundle",
    bad: documentBundle([entry('http://example.org/fhir/Composition/c1', composition())]),
    errors: ['Bundle.entry[0].resource.author[0].reference', 'Bundle.entry[0].resource.subject.reference'],
    good: documentBundle([
      entry('http://example.org/fhir/Composition/c1', composition()),
      entry('http://example.org/fhir/Patient/p1', patient({ id: 'p1' })),
    ]),
  },
  {
    rule: 'a reference in a document matches one entry',
    bad: documentBundle([
      entry('http://example.org/fhir/Composition/c1', composition({ section: [{ title: 'Vitals', text: { status: 'generated', div: div('w') }, entry: [{ reference: 'Observation/o1' }] }] })),
      entry('http://example.org/fhir/Patient/p1', patient({ id: 'p1' })),
      entry('http://example.org/fhir/Observation/o1', observation({ id: 'o1', meta: { versionId: '1' } })),
      entry('http://example.org/fhir/Observation/o1', observation({ id: 'o1', meta: { versionId: '2' } })),
    ]),
    errors: ['Bundle.entry[0].resource.section[0].entry[0].reference'],
    good: documentBundle([
      entry('http://example.org/fhir/Composition/c1', composition({ section: [{ title: 'Vitals', text: { status: 'generated', div: div('w') }, entry: [{ reference: 'Observation/o1/_history/2' }] }] })),
      entry('http://example.org/fhir/Patient/p1', patient({ id: 'p1' })),
      entry('http://example.org/fhir/Observation/o1', observation({ id: 'o1', meta: { versionId: '1' } })),
      entry('http://example.org/fhir/Observation/o1', observation({ id: 'o1', meta: { versionId: '2' } })),
    ]),
  },
  {
    rule: 'bdl-12 a message starts with a MessageHeader whose focus is in the Bundle',
    bad: bundle('message', [entry(UUID_A, patient())]),
    errors: ['Bundle.entry[0]'],
    good: bundle('message', [
      entry(UUID_B, { resourceType: 'MessageHeader', eventCoding: { system: 'http://example.org/events', code: 'admit' }, source: { endpoint: 'http://example.org' }, focus: [{ reference: UUID_A }] }),
      entry(UUID_A, patient()),
    ]),
  },
  {
    rule: 'rules hold for a Bundle inside a Parameters',
    bad: { resourceType: 'Parameters', parameter: [{ name: 'b', resource: bundle('collection', [entry('Patient/1', patient({ id: '1' }))]) }] },
    errors: ['Parameters.parameter[0].resource.entry[0].fullUrl'],
    good: { resourceType: 'Parameters', parameter: [{ name: 'b', resource: bundle('collection', [entry(UUID_A, patient({ id: '1' }))]) }] },
  },

  // References (FHIR R4 references.html, domainresource.html#invs).
  {
    rule: 'a relative reference names a resource type',
    bad: observation({ subject: { reference: 'Person/1' } }),
    errors: ['Observation.subject.reference'],
    good: observation({ subject: { reference: 'Patient/1' } }),
  },
  {
    rule: 'a relative reference holds a valid id',
    bad: observation({ subject: { reference: 'Patient/a_b' } }),
    errors: ['Observation.subject.reference'],
    good: observation({ subject: { reference: 'Patient/a-b/_history/2' } }),
  },
  {
    rule: 'a reference is Type/id, an absolute URL, a urn or #id',
    bad: observation({ subject: { reference: 'fhir/Patient/1' } }),
    errors: ['Observation.subject.reference'],
    good: observation({ subject: { reference: 'https://example.org/fhir/Patient/1' } }),
  },
  {
    rule: 'the reference points to a type the element allows',
    bad: observation({ subject: { reference: 'Medication/1' } }),
    errors: ['Observation.subject.reference'],
    good: observation({ subject: { reference: 'Group/1' } }),
  },
  {
    rule: 'an absolute RESTful reference points to a type the element allows',
    bad: observation({ performer: [{ reference: 'https://example.org/fhir/Medication/1' }] }),
    errors: ['Observation.performer[0].reference'],
    good: observation({ performer: [{ reference: 'https://example.org/fhir/Practitioner/1' }] }),
  },
  {
    rule: 'a reference in a datatype points to a type the element allows',
    bad: observation({ note: [{ authorReference: { reference: 'Observation/1' }, text: 'x' }] }),
    errors: ['Observation.note[0].author.ofType(Reference).reference'],
    good: observation({ note: [{ authorReference: { reference: 'Practitioner/1' }, text: 'x' }] }),
  },
  {
    rule: 'Reference.type agrees with the reference',
    bad: observation({ subject: { reference: 'Patient/1', type: 'Group' } }),
    errors: ['Observation.subject.type'],
    good: observation({ subject: { reference: 'Patient/1', type: 'Patient' } }),
  },
  {
    rule: 'a #id reference names a contained resource',
    bad: observation({ subject: { reference: '#p2' }, contained: [patient({ id: 'p1' })] }),
    errors: ['Observation.contained[0]', 'Observation.subject.reference'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1' })] }),
  },
  {
    rule: 'a #id reference to a contained resource of a type the element allows',
    bad: observation({ subject: { reference: '#m1' }, contained: [{ resourceType: 'Medication', id: 'm1' }] }),
    errors: ['Observation.subject.reference'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1' })] }),
  },
  {
    rule: 'dom-3 a contained resource is referenced',
    bad: observation({ contained: [patient({ id: 'p1' })] }),
    errors: ['Observation.contained[0]'],
    good: observation({ contained: [{ resourceType: 'Provenance', id: 'v1', target: [{ reference: '#' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { display: 'X' } }] }] }),
  },
  {
    rule: 'dom-2 a contained resource holds no contained',
    bad: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', contained: [patient({ id: 'p2' })] })] }),
    errors: ['Observation.contained[0].contained'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', link: [{ other: { reference: '#p2' }, type: 'seealso' }] }), patient({ id: 'p2' })] }),
  },
  {
    rule: 'dom-4 a contained resource has no versionId or lastUpdated',
    bad: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', meta: { versionId: '1' } })] }),
    errors: ['Observation.contained[0].meta'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', meta: { tag: [{ code: 'x' }] } })] }),
  },
  {
    rule: 'dom-5 a contained resource has no security labels',
    bad: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', meta: { security: [{ code: 'R' }] } })] }),
    errors: ['Observation.contained[0].meta.security'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1' })] }),
  },
  {
    rule: 'conditional references only in a transaction',
    bad: bundle('batch', [entry(UUID_A, observation({ subject: { reference: 'Patient?identifier=x|1' } }), post('Observation'))]),
    errors: ['Bundle.entry[0].resource.subject.reference'],
    good: bundle('transaction', [entry(UUID_A, observation({ subject: { reference: 'Patient?identifier=x|1' } }), post('Observation'))]),
  },

  // Narrative (FHIR R4 narrative.html#xhtml, txt-1, txt-2).
  ...[
    ['no <script>', div('<p>x</p><script>alert(1)</script>'), div('<p>x</p>')],
    ['no event attributes', div('<p onclick="alert(1)">x</p>'), div('<p class="c">x</p>')],
    ['no javascript: URLs', div('<a href="javascript:alert(1)">x</a>'), div('<a href="https://example.org">x</a>')],
    ['no javascript: URLs behind character references', div('<a href="&#106;ava&#x09;script:alert(1)">x</a>'), div('<a href="#top">x</a>')],
    ['only the allowed elements', div('<form>x</form>'), div('<table><tr><td>x</td></tr></table>')],
    ['only the allowed attributes', div('<p align="left" foo="1">x</p>'), div('<p align="left" style="color: red">x</p>')],
    ['a div root', '<p xmlns="http://www.w3.org/1999/xhtml">x</p>', div('x')],
    ['the XHTML namespace', '<div>x</div>', div('x')],
    ['well-formed', div('<p>x</b>'), div('<p><b>x</b></p>')],
    ['entities', div('a & b'), div('a &amp; b &lt; c&nbsp;&#169;')],
    ['nothing after the root', `${div('x')}<p>y</p>`, `${div('x')}\n`],
    ['txt-2 some content', div('<p>  </p>'), div('<img src="data:image/png;base64,AAAA" alt=""/>')],
  ].map(([rule, bad, good]) => ({
    rule: `narrative: ${rule}`,
    bad: patient({ text: { status: 'generated', div: bad } }),
    errors: ['Patient.text.div'],
    good: patient({ text: { status: 'generated', div: good } }),
  })),
  {
    rule: 'narrative of a contained resource and a Bundle entry',
    bad: bundle('collection', [entry(UUID_A, observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', text: { status: 'generated', div: div('<script>x</script>') } })] }))]),
    errors: ['Bundle.entry[0].resource.contained[0].text.div'],
    good: bundle('collection', [entry(UUID_A, observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', text: { status: 'generated', div: div('x') } })] }))]),
  },
  // Attachment.size is the byte count of the decoded data (datatypes.html#Attachment); 'aGVscCBpJ20gYSBidWc=' is 14 bytes.
  {
    rule: 'Attachment.size matches its data',
    bad: patient({ photo: [{ contentType: 'text/plain', data: 'aGVscCBpJ20gYSBidWc=', size: 100 }] }),
    errors: ['Patient.photo[0]'],
    good: patient({ photo: [{ contentType: 'text/plain', data: 'aGVscCBpJ20gYSBidWc=', size: 14 }, { url: 'http://files.example/x', size: 100 }] }),
  },
  {
    rule: 'Attachment.size in a contained resource',
    bad: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', photo: [{ contentType: 'text/plain', data: 'AAAA', size: 2 }] })] }),
    errors: ['Observation.contained[0].photo[0]'],
    good: observation({ subject: { reference: '#p1' }, contained: [patient({ id: 'p1', photo: [{ contentType: 'text/plain', data: 'AAAA', size: 3 }] })] }),
  },
  // Extension contexts below the resource (defining-extensions.html#context): humanname-mothers-family is for HumanName.family.
  {
    rule: 'an extension is used where its context allows',
    bad: patient({ name: [{ family: 'Smith', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/humanname-mothers-family', valueString: 'Jones' }] }] }),
    errors: ['Patient.name[0].extension[0]'],
    good: patient({
      name: [{ family: 'Smith', _family: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/humanname-mothers-family', valueString: 'Jones' }] } }],
      // Contexts naming a type (ContactPoint), a supertype (Element) and an element path (Patient.contact.name via HumanName).
      telecom: [{ system: 'phone', value: '555', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/contactpoint-local', valueString: '555' }] }],
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '2000-01-01T10:00:00Z' }] },
      birthDate: '2000-01-01',
    }),
  },
  {
    rule: 'an extension on a backbone element (and a nested one of the same definition) where its context allows',
    bad: { resourceType: 'Questionnaire', status: 'draft', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-hidden', valueBoolean: true }] },
    errors: ['Questionnaire.extension[0]'],
    good: {
      resourceType: 'Questionnaire', status: 'draft',
      item: [{ linkId: 'g', type: 'group', item: [{ linkId: 'q', type: 'string', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/questionnaire-hidden', valueBoolean: true }] }] }],
    },
  },
];

describe('FHIR validation: Bundle rules, references, narrative', () => {
  for (const c of cases) {
    it(`${c.rule}: refused when broken, accepted when kept`, () => {
      const errors = found(c.bad);
      assert.deepEqual(where(errors), [...c.errors].sort(), JSON.stringify(errors, null, 1));
      for (const e of errors) assert.ok(e.diagnostics && e.diagnostics.length > 0);
      const kept = found(c.good);
      assert.deepEqual(kept, [], JSON.stringify(kept, null, 1));
    });
  }

  it('accepts the realistic examples with every check', () => {
    for (const [name, resource] of Object.entries(validExamples)) assert.deepEqual(found(resource), [], name);
  });

  it('accepts a transaction whose entries use urn:uuid: fullUrls and references, and conditional references', () => {
    const tx = bundle('transaction', [
      entry(UUID_A, patient(), post('Patient')),
      entry(UUID_B, observation({ subject: { reference: UUID_A }, performer: [{ reference: 'Practitioner?identifier=x|1' }] }), post('Observation')),
    ]);
    assert.deepEqual(found(tx), []);
  });

  it('warns, without refusing, on a malformed urn:uuid: reference and on one a document does not carry', () => {
    const doc = documentBundle([
      entry(UUID_B, composition({ subject: { reference: UUID_A }, author: [{ reference: UUID_A }], section: [{ title: 's', text: { status: 'generated', div: div('s') } }] })),
      entry(UUID_A, patient({ link: [{ other: { reference: 'urn:uuid:not-a-uuid' }, type: 'seealso' }] })),
      entry('urn:uuid:4e5aa5f2-dd58-47b0-83c8-6bea38669e67', observation({ subject: { reference: 'urn:uuid:9ce2a97b-5cab-4986-814f-4734016e6084' } })),
    ]);
    const report = inspect(doc, { purpose: 'validate' });
    assert.equal(report.valid, true, JSON.stringify(report.issues));
    // Leaving out the best-practice invariant dom-6 (a resource should have narrative), which entries without text break.
    const warnings = found(doc, 'warning').filter((i) => !i.diagnostics?.startsWith('dom-6'));
    assert.deepEqual(where(warnings), ['Bundle.entry[1].resource.link[0].other.reference', 'Bundle.entry[2].resource.subject.reference']);
  });

  it('reads a narrative of a megabyte and a deeply nested one without failing', () => {
    const big = patient({ text: { status: 'generated', div: div(`<p>${'a &amp; b '.repeat(90_000)}</p>`) } });
    assert.deepEqual(found(big), []);
    const deep = patient({ text: { status: 'generated', div: div(`${'<span>'.repeat(5000)}x${'</span>'.repeat(5000)}`) } });
    assert.deepEqual(where(found(deep)), ['Patient.text.div']);
    const unclosed = patient({ text: { status: 'generated', div: `<div xmlns="${XHTML}">${'<b '.repeat(50_000)}` } });
    assert.deepEqual(where(found(unclosed)), ['Patient.text.div']);
  });
});
