import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTerminology, MAX_EXPANSION } from '../../src/fhir/terminology/terminology.ts';
import { loadR4TerminologyResources, type TerminologyResource } from '../../src/fhir/terminology/terminology-resources.ts';
import { isUcumUnit, toCanonical } from '../../src/fhir/terminology/ucum.ts';

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** A small code system and value sets exercising every compose rule, passed in as extra resources. */
const extras: TerminologyResource[] = [
  {
    resourceType: 'CodeSystem',
    url: 'http://example.org/cs/shapes',
    version: '1',
    name: 'Shapes',
    caseSensitive: false,
    content: 'complete',
    property: [{ code: 'sides', type: 'integer' }, { code: 'parent', uri: 'http://hl7.org/fhir/concept-properties#parent', type: 'code' }],
    concept: [
      {
        code: 'polygon',
        display: 'Polygon',
        concept: [
          { code: 'triangle', display: 'Triangle', property: [{ code: 'sides', valueInteger: 3 }] },
          { code: 'quad', display: 'Quadrilateral', property: [{ code: 'sides', valueInteger: 4 }], concept: [{ code: 'square', display: 'Square', property: [{ code: 'sides', valueInteger: 4 }] }] },
        ],
      },
      { code: 'circle', display: 'Circle', designation: [{ language: 'fr', value: 'Cercle' }] },
      { code: 'rhombus', display: 'Rhombus', property: [{ code: 'parent', valueCode: 'quad' }, { code: 'sides', valueInteger: 4 }] },
    ],
  },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/quads', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'concept', op: 'is-a', value: 'quad' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/below-polygon', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'concept', op: 'descendent-of', value: 'polygon' }] }], exclude: [{ system: 'http://example.org/cs/shapes', concept: [{ code: 'square' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/not-polygons', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'concept', op: 'is-not-a', value: 'polygon' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/four-sides', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'sides', op: '=', value: '4' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/regex', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'code', op: 'regex', value: '[a-r].*e' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/has-sides', compose: { include: [{ system: 'http://example.org/cs/shapes', filter: [{ property: 'sides', op: 'exists', value: 'false' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/imported', compose: { include: [{ valueSet: ['http://example.org/vs/quads'] }, { system: 'http://example.org/cs/shapes', concept: [{ code: 'circle' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/loinc-listed', compose: { include: [{ system: 'http://loinc.org', concept: [{ code: '29463-7', display: 'Body weight' }] }] } },
  { resourceType: 'ValueSet', url: 'http://example.org/vs/with-snomed', compose: { include: [{ system: 'http://example.org/cs/shapes', concept: [{ code: 'circle' }] }, { system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '404684003' }] }] } },
];

const terminology = createTerminology([...loadR4TerminologyResources(), ...extras]);
const codesOf = (url: string) => {
  const result = terminology.expand(url, undefined);
  assert.equal(result.kind, 'expansion', JSON.stringify(result));
  return result.kind === 'expansion' ? result.contains.map((c) => c.code) : [];
};

describe('terminology: value set expansion', () => {
  it('expands an R4 value set of a whole code system, with its displays and total', () => {
    const result = terminology.expand('http://hl7.org/fhir/ValueSet/administrative-gender', undefined);
    assert.equal(result.kind, 'expansion');
    if (result.kind !== 'expansion') return;
    assert.equal(result.total, 4);
    assert.deepEqual(result.contains.map((c) => `${c.system}#${c.code}|${c.display}`), [
      'http://hl7.org/fhir/administrative-gender#male|Male',
      'http://hl7.org/fhir/administrative-gender#female|Female',
      'http://hl7.org/fhir/administrative-gender#other|Other',
      'http://hl7.org/fhir/administrative-gender#unknown|Unknown',
    ]);
  });

  it('applies filter, count and offset, the total counting every match', () => {
    const page = terminology.expand('http://hl7.org/fhir/ValueSet/administrative-gender', undefined, { filter: 'MALE', count: 1, offset: 1 });
    assert.equal(page.kind, 'expansion');
    if (page.kind !== 'expansion') return;
    // "male" and "female" contain the text; the second page of one holds female.
    assert.equal(page.total, 2);
    assert.equal(page.offset, 1);
    assert.deepEqual(page.contains.map((c) => c.code), ['female']);
  });

  it('follows the hierarchy for is-a (nesting and parent properties), descendent-of with an exclusion, and is-not-a', () => {
    assert.deepEqual(codesOf('http://example.org/vs/quads').sort(), ['quad', 'rhombus', 'square']);
    assert.deepEqual(codesOf('http://example.org/vs/below-polygon').sort(), ['quad', 'rhombus', 'triangle']);
    assert.deepEqual(codesOf('http://example.org/vs/not-polygons'), ['circle']);
  });

  it('filters on properties (=, exists) and on the code by regex', () => {
    assert.deepEqual(codesOf('http://example.org/vs/four-sides').sort(), ['quad', 'rhombus', 'square']);
    assert.deepEqual(codesOf('http://example.org/vs/has-sides').sort(), ['circle', 'polygon']);
    // The whole code must match: circle, not triangle (t) nor polygon (ends in n).
    assert.deepEqual(codesOf('http://example.org/vs/regex'), ['circle']);
  });

  it('imports value sets, and expands an R4 v3 value set defined by an is-a filter with an exclusion', () => {
    assert.deepEqual(codesOf('http://example.org/vs/imported').sort(), ['circle', 'quad', 'rhombus', 'square']);
    const encounter = codesOf('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode');
    assert.ok(encounter.includes('AMB') && encounter.includes('IMP'), encounter.join());
    assert.ok(!encounter.includes('_ActEncounterCode'));
  });

  it('answers not-found, not-enumerable and too-costly where it cannot list an expansion', () => {
    assert.equal(terminology.expand('http://example.org/vs/none', undefined).kind, 'not-found');
    assert.equal(terminology.expand('http://hl7.org/fhir/ValueSet/administrative-gender', '3.0.0').kind, 'not-found');
    assert.equal(terminology.expand('http://example.org/vs/with-snomed', undefined).kind, 'not-enumerable');
    const big = terminology.expand('http://terminology.hl7.org/ValueSet/v3-ActCode', undefined);
    assert.equal(big.kind, 'too-costly');
    const paged = terminology.expand('http://terminology.hl7.org/ValueSet/v3-ActCode', undefined, { count: 10 });
    assert.equal(paged.kind, 'expansion');
    if (paged.kind === 'expansion') {
      assert.ok(paged.total > MAX_EXPANSION);
      assert.equal(paged.contains.length, 10);
    }
  });
});

describe('terminology: lookup', () => {
  it('gives a code display, designations and its parents and children as properties', () => {
    const amb = terminology.lookup(ACT_CODE, 'AMB');
    assert.equal(amb.kind, 'found');
    if (amb.kind !== 'found') return;
    assert.equal(amb.display, 'ambulatory');
    assert.equal(amb.name, 'v3.ActCode');
    assert.deepEqual(amb.property.filter((p) => p.code === 'parent').map((p) => p.value), ['_ActEncounterCode']);

    const circle = terminology.lookup('http://example.org/cs/shapes', 'CIRCLE');
    assert.equal(circle.kind, 'found');
    if (circle.kind === 'found') {
      // The code system is case-insensitive: the code is found and answered as defined.
      assert.equal(circle.code, 'circle');
      assert.deepEqual(circle.designation, [{ language: 'fr', value: 'Cercle' }]);
    }
    const quad = terminology.lookup('http://example.org/cs/shapes', 'quad');
    assert.equal(quad.kind, 'found');
    if (quad.kind === 'found') {
      assert.deepEqual(quad.property.filter((p) => p.code === 'child').map((p) => p.value).sort(), ['rhombus', 'square']);
      assert.deepEqual(quad.property.filter((p) => p.code === 'sides').map((p) => p.value), [4]);
    }
  });

  it('answers not-found for an unknown code or code system', () => {
    assert.equal(terminology.lookup(ACT_CODE, 'NOPE').kind, 'not-found');
    assert.equal(terminology.lookup('http://snomed.info/sct', '404684003').kind, 'not-found');
  });
});

describe('terminology: validate-code', () => {
  it('says valid for a code in the value set, with its display', () => {
    assert.deepEqual(terminology.validateCode({ valueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender', code: 'male' }), { result: 'valid', display: 'Male' });
    assert.equal(terminology.validateCode({ valueSet: 'http://example.org/vs/quads', system: 'http://example.org/cs/shapes', code: 'Square' }).result, 'valid');
    assert.equal(terminology.validateCode({ system: ACT_CODE, code: 'AMB', display: 'Ambulatory' }).result, 'valid');
  });

  it('says invalid for a code outside the value set, unknown in its code system, or with a wrong display', () => {
    assert.equal(terminology.validateCode({ valueSet: 'http://hl7.org/fhir/ValueSet/administrative-gender', code: 'sometimes' }).result, 'invalid');
    assert.equal(terminology.validateCode({ valueSet: 'http://example.org/vs/quads', system: 'http://example.org/cs/shapes', code: 'triangle' }).result, 'invalid');
    const unknownCode = terminology.validateCode({ system: ACT_CODE, code: 'NOPE' });
    assert.equal(unknownCode.result, 'invalid');
    assert.match(unknownCode.message ?? '', /Unknown code 'NOPE'/);
    const display = terminology.validateCode({ system: ACT_CODE, code: 'AMB', display: 'inpatient' });
    assert.equal(display.result, 'invalid');
    assert.equal(display.display, 'ambulatory');
  });

  it('says unknown where the value set draws on a code system the server does not have', () => {
    const snomed = terminology.validateCode({ valueSet: 'http://example.org/vs/with-snomed', system: 'http://snomed.info/sct', code: '22298006' });
    assert.equal(snomed.result, 'unknown');
    // Its enumerable part still decides for its own system.
    assert.equal(terminology.validateCode({ valueSet: 'http://example.org/vs/with-snomed', system: 'http://example.org/cs/shapes', code: 'circle' }).result, 'valid');
    assert.equal(terminology.validateCode({ valueSet: 'http://example.org/vs/with-snomed', system: 'http://example.org/cs/shapes', code: 'square' }).result, 'invalid');
    assert.equal(terminology.validateCode({ system: 'http://loinc.org', code: '29463-7' }).result, 'unknown');
  });

  it('decides by the listing a value set that names its codes, even of a code system the server does not have', () => {
    assert.deepEqual(terminology.validateCode({ valueSet: 'http://example.org/vs/loinc-listed', system: 'http://loinc.org', code: '29463-7' }), { result: 'valid', display: 'Body weight' });
    assert.equal(terminology.validateCode({ valueSet: 'http://example.org/vs/loinc-listed', system: 'http://loinc.org', code: '8867-4' }).result, 'invalid');
  });

  it('decides a UCUM-based value set by the UCUM grammar', () => {
    assert.equal(terminology.validateCode({ valueSet: 'http://hl7.org/fhir/ValueSet/ucum-units', system: 'http://unitsofmeasure.org', code: 'mg/dL' }).result, 'valid');
    assert.equal(terminology.validateCode({ valueSet: 'http://hl7.org/fhir/ValueSet/ucum-units', system: 'http://unitsofmeasure.org', code: 'kilogramz' }).result, 'invalid');
  });
});

describe('UCUM', () => {
  it('validates units and converts to canonical units', () => {
    assert.ok(isUcumUnit('kg') && isUcumUnit('mm[Hg]') && isUcumUnit('/min'));
    assert.ok(!isUcumUnit('kilogramz'));
    assert.deepEqual(toCanonical(5, 'mg'), { value: 0.005, unit: 'g' });
    assert.deepEqual(toCanonical(1, 'kg'), { value: 1000, unit: 'g' });
    const speed = toCanonical(36, 'km/h');
    assert.equal(speed?.unit, 'm.s-1');
    // Celsius is a special unit: converted by its function, not a factor.
    assert.ok(Math.abs((toCanonical(37, 'Cel')?.value ?? 0) - 310.15) < 1e-9);
    assert.ok(Math.abs((speed?.value ?? 0) - 10) < 1e-9);
    assert.equal(toCanonical(1, 'kilogramz'), undefined);
  });
});
