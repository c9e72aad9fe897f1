import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import type { OutcomeIssue } from '../../src/fhir/outcome.ts';
import { shippedTerminology } from '../../src/fhir/terminology/shipped-terminology.ts';
import { shippedProfiles } from '../../src/fhir/validation/checks/profiles.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';

const definitions = loadDefinitions();
const settings: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };
const terminology = shippedTerminology(shippedProfiles());
const { inspect } = createResourceValidation(definitions, validationChecks({ definitions, settings, terminology }), settings);

type Json = Record<string, unknown>;
const errorsOf = (resource: Json): OutcomeIssue[] =>
  inspect(resource, { purpose: 'validate' }).issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const where = (issues: readonly OutcomeIssue[]) => issues.map((i) => i.expression?.[0] ?? '').sort();

const UUID = 'urn:uuid:6a2ee390-978e-42c6-8f88-c17dff3bd8a3';
const codeSystem = (extra: Json = {}): Json => ({
  resourceType: 'CodeSystem', url: 'http://example.org/CodeSystem/colours', name: 'Colours', status: 'active', content: 'complete',
  concept: [{ code: 'red', display: 'Red' }], ...extra,
});
const valueSet = (extra: Json = {}): Json => ({
  resourceType: 'ValueSet', url: 'http://example.org/ValueSet/colours', name: 'Colours', status: 'active',
  compose: { include: [{ system: 'http://example.org/CodeSystem/colours' }] }, ...extra,
});
const searchParameter = (extra: Json = {}): Json => ({
  resourceType: 'SearchParameter', url: 'http://example.org/SearchParameter/organization-name', name: 'OrganizationName',
  status: 'active', description: 'Organizations by name', code: 'name', base: ['Organization'], type: 'string',
  expression: 'Organization.name', derivedFrom: 'http://hl7.org/fhir/SearchParameter/Organization-name', ...extra,
});
/** A ValueSet holding its code system, named by the code system's url and pointed at (valueset-system) as the one contained. */
const withContained = (csExtra: Json, vsExtra: Json = {}): Json => valueSet({
  contained: [codeSystem({ id: 'cs', ...csExtra })],
  compose: { include: [{ system: 'http://example.org/CodeSystem/colours', _system: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/valueset-system', valueCanonical: '#cs' }] } }] },
  ...vsExtra,
});
/** A ValueSet declaring the parameter p-inactive, whose filter value is the expression given. */
const parameterised = (language: string, expression: string): Json => valueSet({
  extension: [{ url: 'http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter', extension: [{ url: 'name', valueCode: 'p-inactive' }] }],
  compose: {
    include: [{
      system: 'http://snomed.info/sct',
      filter: [{ property: 'inactive', op: '=', _value: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/cqf-expression', valueExpression: { language, expression } }] } }],
    }],
  },
});
const FILTER_EXPRESSION = 'ValueSet.compose.include[0].filter[0].value.extension[0].valueExpression';
const capability = (type: string): Json => ({
  resourceType: 'CapabilityStatement', status: 'draft', date: '2024-01-01', kind: 'requirements', fhirVersion: '4.0.1',
  format: ['json'], description: 'A server',
  rest: [{ mode: 'server', resource: [{ type: 'AllergyIntolerance', searchParam: [{ name: 'clinical-status', definition: 'http://hl7.org/fhir/SearchParameter/AllergyIntolerance-clinical-status', type }] }] }],
});

interface Case {
  readonly rule: string;
  readonly bad: Json;
  readonly errors: readonly string[];
  readonly good: Json;
}

const cases: Case[] = [
  // Canonical URLs (resource.html#canonical, datatypes.html#uuid, valueset-definitions.html#ValueSet.compose.include.system).
  {
    rule: 'a canonical url is absolute, in the resource and in those it contains',
    bad: withContained({ url: 'cs' }, { url: 'ValueSet/colours' }),
    errors: ['ValueSet.contained[0].url', 'ValueSet.url'],
    good: withContained({}),
  },
  {
    rule: 'a urn:uuid: canonical url holds a valid lowercase UUID',
    bad: valueSet({ url: 'urn:uuid:6A2EE390-978E-42C6-8F88-C17DFF3BD8A3' }),
    errors: ['ValueSet.url'],
    good: valueSet({ url: UUID }),
  },
  {
    rule: 'a ValueSet includes and excludes code systems by absolute URL, not #id',
    bad: valueSet({ contained: [codeSystem({ id: 'cs' })], compose: { include: [{ system: '#cs' }], exclude: [{ system: 'colours' }] } }),
    errors: ['ValueSet.compose.exclude[0].system', 'ValueSet.compose.include[0].system'],
    good: withContained({}),
  },
  // Search parameters (searchparameter.html, capabilitystatement-definitions.html).
  {
    rule: 'a composite SearchParameter has two or more components',
    bad: searchParameter({ type: 'composite', derivedFrom: undefined, component: [{ definition: 'http://hl7.org/fhir/SearchParameter/Organization-name', expression: 'name' }] }),
    errors: ['SearchParameter.component'],
    good: searchParameter({
      type: 'composite', derivedFrom: undefined,
      component: [
        { definition: 'http://hl7.org/fhir/SearchParameter/Organization-name', expression: 'name' },
        { definition: 'http://hl7.org/fhir/SearchParameter/Organization-active', expression: 'active' },
      ],
    }),
  },
  {
    rule: 'a SearchParameter derived from a known one keeps its type',
    bad: searchParameter({ type: 'token' }),
    errors: ['SearchParameter.type'],
    good: searchParameter(),
  },
  {
    rule: 'a SearchParameter derived from a known one applies to resource types it does',
    bad: searchParameter({ base: ['Patient'], expression: 'Patient.name' }),
    errors: ['SearchParameter.base[0]'],
    good: searchParameter(),
  },
  {
    rule: "a CapabilityStatement's searchParam has its definition's type",
    bad: capability('date'),
    errors: ['CapabilityStatement.rest[0].resource[0].searchParam[0].type'],
    good: capability('token'),
  },
  // Code system properties (codesystem.html#properties, codesystem-concept-properties.html).
  {
    rule: 'a CodeSystem declares each property code and URI once, standard URIs with their type, and concepts use the declared types',
    bad: codeSystem({
      property: [
        { uri: 'http://hl7.org/fhir/concept-properties#notSelectable', code: 'notSelectable', type: 'dateTime' },
        { code: 'notSelectable', type: 'boolean' },
        { uri: 'http://hl7.org/fhir/concept-properties#notSelectable', code: 'not-selectable', type: 'boolean' },
        { code: 'weight', type: 'decimal' },
      ],
      concept: [{ code: 'red', property: [{ code: 'weight', valueInteger: 12 }] }],
    }),
    errors: ['CodeSystem.concept[0].property[0]', 'CodeSystem.property[0].type', 'CodeSystem.property[1].code', 'CodeSystem.property[2].uri'],
    good: codeSystem({
      property: [
        { uri: 'http://hl7.org/fhir/concept-properties#notSelectable', code: 'notSelectable', type: 'boolean' },
        { code: 'weight', type: 'decimal' },
      ],
      concept: [{ code: 'red', property: [{ code: 'notSelectable', valueBoolean: false }, { code: 'weight', valueDecimal: 12 }] }],
    }),
  },
  // Canonical targets (references.html#canonical).
  {
    rule: 'a canonical names a resource of the types its element allows, when the server knows what the URL is',
    bad: { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'http://hl7.org/fhir/ValueSet/administrative-gender' },
    errors: ['QuestionnaireResponse.questionnaire'],
    good: { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'http://example.org/Questionnaire/phq-9' },
  },
  {
    rule: 'a Questionnaire answerValueSet names a value set, not a code system',
    bad: { resourceType: 'Questionnaire', status: 'active', item: [{ linkId: 'g', type: 'group', item: [{ linkId: 'q', type: 'choice', answerValueSet: 'http://hl7.org/fhir/administrative-gender' }] }] },
    errors: ['Questionnaire.item[0].item[0].answerValueSet'],
    good: { resourceType: 'Questionnaire', status: 'active', item: [{ linkId: 'g', type: 'group', item: [{ linkId: 'q', type: 'choice', answerValueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender' }] }] },
  },
  // Parameterised value sets (cqf-expression on a filter value, over valueset-parameter declarations).
  {
    rule: 'a ValueSet filter expression is FHIRPath',
    bad: parameterised('text/cql', '%p-inactive'),
    errors: [`${FILTER_EXPRESSION}.language`],
    good: parameterised('text/fhirpath', '%p-inactive'),
  },
  {
    rule: 'a ValueSet filter expression parses',
    bad: parameterised('text/fhirpath', '$ and %p-inactive'),
    errors: [`${FILTER_EXPRESSION}.expression`],
    good: parameterised('text/fhirpath', '%p-inactive and %resource.exists()'),
  },
  {
    rule: 'a ValueSet filter expression reads only declared parameters',
    bad: parameterised('text/fhirpath', '%p-inactive3'),
    errors: [`${FILTER_EXPRESSION}.expression`],
    good: parameterised('text/fhirpath', '%p-inactive'),
  },
];

describe('FHIR validation: conformance and terminology resources', () => {
  for (const c of cases) {
    it(`${c.rule}: refused when broken, accepted when kept`, () => {
      const errors = errorsOf(c.bad);
      assert.deepEqual(where(errors), [...c.errors].sort(), JSON.stringify(errors, null, 1));
      const kept = errorsOf(c.good);
      assert.deepEqual(kept, [], JSON.stringify(kept, null, 1));
    });
  }
});
