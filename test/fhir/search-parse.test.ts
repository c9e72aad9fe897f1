import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FhirError } from '../../src/fhir/outcome.ts';
import { dateRange } from '../../src/fhir/search/date-range.ts';
import { decimalRange } from '../../src/fhir/search/decimal-range.ts';
import { branchesFor } from '../../src/fhir/search/expression-branches.ts';
import { createIndexer } from '../../src/fhir/search/indexer.ts';
import { parseSearchRequest } from '../../src/fhir/search/parse-search.ts';
import { createSearchParameterRegistry } from '../../src/fhir/search/registry.ts';
import { definitions } from '../support/portico.ts';

const registry = createSearchParameterRegistry(definitions());
const settings = { baseUrl: 'http://x.test/fhir', defaultPageSize: 20, maxPageSize: 100 };
const parse = (type: string | undefined, query: string, strict = false) =>
  parseSearchRequest(type, [...new URLSearchParams(query)], { registry, settings, strict, now: () => new Date('2026-01-01T00:00:00Z') });

describe('search value ranges', () => {
  it('gives dates the range their precision implies', () => {
    assert.deepEqual(dateRange('2020'), { low: '2020-01-01T00:00:00.000Z', high: '2021-01-01T00:00:00.000Z' });
    assert.deepEqual(dateRange('2020-02'), { low: '2020-02-01T00:00:00.000Z', high: '2020-03-01T00:00:00.000Z' });
    assert.deepEqual(dateRange('2020-02-29T10:00+02:00'), { low: '2020-02-29T08:00:00.000Z', high: '2020-02-29T08:01:00.000Z' });
    assert.equal(dateRange('9999-12-31')?.high, 'infinity');
    for (const bad of ['2021-02-29', '2020-13', '20', '2020-01-01T25:00Z', 'today']) assert.equal(dateRange(bad), undefined, bad);
  });

  it('gives decimals the range their precision implies, exactly', () => {
    assert.deepEqual(decimalRange('100'), { value: '100', low: '99.5', high: '100.5' });
    assert.deepEqual(decimalRange('0.25'), { value: '0.25', low: '0.245', high: '0.255' });
    assert.deepEqual(decimalRange('-1.0'), { value: '-1', low: '-1.05', high: '-0.95' });
    assert.equal(decimalRange('1,5'), undefined);
  });
});

describe('search expressions', () => {
  it('keeps the branches of a shared expression for one type and rewrites resolve() filters', () => {
    const isType = (t: string) => registry.resourceTypes.has(t);
    const expression = 'AllergyIntolerance.patient | Observation.subject.where(resolve() is Patient) | Condition.subject';
    assert.deepEqual(branchesFor(expression, 'Observation', isType), [{ expression: 'Observation.subject', targetType: 'Patient' }]);
    assert.deepEqual(branchesFor('(Observation.value as Quantity) | (Observation.value as SampledData)', 'Observation', isType).length, 2);
  });

  it('indexes typed values from the R4 SearchParameters', () => {
    const index = createIndexer(registry);
    const rows = index({
      resourceType: 'Observation',
      status: 'final',
      subject: { reference: 'Group/g1' },
      code: { coding: [{ system: 'http://loinc.org', code: '1-8' }], text: 'Thing' },
      effectivePeriod: { start: '2020-01-01', end: '9999-12-31' },
      meta: { tag: [{ system: 's', code: 't' }] },
    });
    assert.ok(rows.token.some((r) => r.param === 'code' && r.system === 'http://loinc.org' && r.code === '1-8'));
    assert.ok(rows.token.some((r) => r.param === '_tag' && r.code === 't'));
    assert.ok(rows.reference.some((r) => r.param === 'subject' && r.targetType === 'Group'));
    assert.ok(!rows.reference.some((r) => r.param === 'patient'), 'a Group subject is not a patient');
    assert.deepEqual(rows.date.find((r) => r.param === 'date'), { param: 'date', low: '2020-01-01T00:00:00.000Z', high: 'infinity' });
  });
});

describe('search request parsing', () => {
  it('types conditions, OR within a parameter and AND across repeats', () => {
    const request = parse('Observation', 'code=a,http://s|b&code=|c&date=ge2020&subject:Patient.name=x&_sort=-date,_id&_count=500');
    assert.equal(request.count, 100);
    assert.equal(request.conditions?.length, 4);
    assert.deepEqual(request.conditions?.[0], { kind: 'token', param: 'code', not: false, values: [{ code: 'a' }, { system: 'http://s', code: 'b' }] });
    assert.deepEqual(request.conditions?.[1], { kind: 'token', param: 'code', not: false, values: [{ system: null, code: 'c' }] });
    assert.equal(request.conditions?.[3]?.kind, 'chain');
    assert.deepEqual(request.sort, [{ kind: 'param', table: 'date', param: 'date', descending: true }, { kind: 'id', descending: false }]);
  });

  it('treats escaped commas as part of the value', () => {
    const request = parse('Patient', 'name=a\\,b');
    assert.deepEqual(request.conditions?.[0], { kind: 'string', param: 'name', mode: 'start', values: ['a,b'] });
  });

  it('drops unknown parameters leniently and refuses them strictly', () => {
    const lenient = parse('Patient', 'nope=1&gender=male');
    assert.equal(lenient.conditions?.length, 1);
    assert.deepEqual(lenient.applied, [['gender', 'male']]);
    assert.throws(() => parse('Patient', 'nope=1', true), (e: unknown) => e instanceof FhirError && e.status === 400);
  });

  it('refuses bad values, prefixes and modifiers with a 400', () => {
    for (const query of ['birthdate=zz2020', 'birthdate=2020-02-30', 'gender:exact=x', 'name:below=x', 'general-practitioner:Observation=1', 'death-date=ap', '_sort=-']) {
      const attempt = () => parse('Patient', query, true);
      if (query === '_sort=-') assert.throws(attempt, FhirError, query);
      else assert.throws(attempt, (e: unknown) => e instanceof FhirError && e.status === 400, query);
    }
  });
});
