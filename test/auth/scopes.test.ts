import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import {
  formatScope,
  formatScopes,
  intersectScopes,
  isCoveredBy,
  parseScope,
  parseScopes,
  scopeSyntaxProblem,
  type ResourceScope,
  type Scope,
} from '../../src/auth/scopes/index.ts';

const resource = (text: string): ResourceScope => {
  const scope = parseScope(text);
  assert.equal(scope.kind, 'resource', `${text} should parse as a resource scope`);
  return scope as ResourceScope;
};
const letters = (scope: ResourceScope) => ['c', 'r', 'u', 'd', 's'].filter((p) => scope.permissions.has(p as 'r')).join('');
const texts = (scopes: readonly Scope[]) => scopes.map(formatScope);

// The g10 kit's granular scope sets (checklist §8.1) and launch scopes.
const G10_GRANULAR = [
  'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
  'patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history',
  'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|problem-list-item',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
  'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|survey',
  'patient/Observation.rs?category=http://hl7.org/fhir/us/core/CodeSystem/us-core-category|sdoh',
];
const LAUNCH = 'launch/patient openid fhirUser offline_access';

describe('parseScopes: SMART v1', () => {
  it('read = rs, write = cud, * = cruds; v1 kept as version 1', () => {
    const read = resource('patient/Observation.read');
    assert.deepEqual([read.context, read.resourceType, letters(read), read.version], ['patient', 'Observation', 'rs', 1]);
    assert.equal(letters(resource('user/*.write')), 'cud');
    const all = resource('system/*.*');
    assert.deepEqual([all.context, all.resourceType, letters(all), all.version], ['system', '*', 'cruds', 1]);
    assert.equal(resource('patient/*.read').resourceType, '*');
    assert.equal(resource('patient/Patient.read').query, undefined);
  });

  it('round-trips v1 syntax', () => {
    for (const text of ['patient/Observation.read', 'user/*.write', 'system/*.*', 'patient/*.read']) {
      assert.equal(formatScope(parseScope(text)), text);
    }
  });
});

describe('parseScopes: SMART v2', () => {
  it('cruds letters in order, any non-empty subset', () => {
    const rs = resource('patient/Observation.rs');
    assert.deepEqual([letters(rs), rs.version], ['rs', 2]);
    assert.equal(letters(resource('user/*.cruds')), 'cruds');
    assert.equal(letters(resource('user/Patient.s')), 's');
    assert.equal(letters(resource('user/Patient.cud')), 'cud');
    assert.equal(resource('user/Patient.cud').version, 2, 'letters stay v2 even when v1 has a word for them');
  });

  it('granular scopes keep system|code verbatim and round-trip', () => {
    for (const text of G10_GRANULAR) {
      const scope = resource(text);
      assert.equal(scope.query?.length, 1);
      assert.equal(scope.query?.[0]?.[0], 'category');
      assert.equal(scope.query?.[0]?.[1], text.slice(text.indexOf('=') + 1));
      assert.equal(formatScope(scope), text);
    }
  });

  it('several query parameters, percent-decoded, normalized on format', () => {
    const scope = resource('patient/Observation.rs?category=laboratory&code=http%3A%2F%2Floinc.org%7C1234-5');
    assert.deepEqual(scope.query, [['category', 'laboratory'], ['code', 'http://loinc.org|1234-5']]);
    assert.equal(formatScope(scope), 'patient/Observation.rs?category=laboratory&code=http://loinc.org|1234-5');
    assert.equal(formatScope(resource('user/Observation.rs?note=a%26b')), 'user/Observation.rs?note=a%26b');
  });
});

describe('parseScopes: non-resource and unknown tokens', () => {
  it('launch, OpenID Connect and refresh scopes', () => {
    const scopes = parseScopes(
      'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access',
    );
    assert.deepEqual(
      scopes.map((s) => s.kind),
      ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'],
    );
    assert.equal(formatScopes(scopes), 'openid fhirUser profile launch launch/patient launch/encounter offline_access online_access');
  });

  it('the g10 granular launch parses completely, in order, without unknowns', () => {
    const scopes = parseScopes(`${LAUNCH} ${G10_GRANULAR.join(' ')}`);
    assert.equal(scopes.length, 4 + G10_GRANULAR.length);
    assert.equal(scopes.filter((s) => s.kind === 'unknown').length, 0);
    assert.equal(formatScopes(scopes), `${LAUNCH} ${G10_GRANULAR.join(' ')}`);
  });

  it('tolerates extra spaces and drops duplicates (a tab is no separator: see scope syntax below)', () => {
    assert.deepEqual(texts(parseScopes('  openid   openid patient/Patient.rs ')), ['openid', 'patient/Patient.rs']);
    assert.deepEqual(parseScopes(''), []);
  });

  it('malformed tokens are kept as unknown with a problem, never thrown', () => {
    for (const text of [
      'email',
      'launch/other',
      'patient/Observation',
      'patient/Observation.sr',
      'patient/Observation.rr',
      'patient/Observation.x',
      'practitioner/Observation.rs',
      'patient/observation.rs',
      'patient/Observation.read?category=laboratory',
      'patient/Observation.rs?',
      'patient/Observation.rs?category',
      'patient/Observation.rs?category=%E0%A4%A',
      'Patient/Observation.rs',
    ]) {
      const scope = parseScope(text);
      assert.equal(scope.kind, 'unknown', text);
      assert.equal(scope.text, text);
      assert.ok(scope.kind === 'unknown' && scope.problem.length > 0);
      assert.equal(formatScope(scope), text);
    }
  });

  it('validates resource types against a passed-in set when asked', () => {
    const { resourceTypes } = loadDefinitions();
    assert.equal(parseScope('patient/Observation.rs', { resourceTypes }).kind, 'resource');
    assert.equal(parseScope('patient/*.rs', { resourceTypes }).kind, 'resource');
    const bogus = parseScope('patient/Foo.rs', { resourceTypes });
    assert.equal(bogus.kind, 'unknown');
    assert.match(bogus.kind === 'unknown' ? bogus.problem : '', /Foo/);
    assert.equal(parseScope('patient/Foo.rs').kind, 'resource', 'without a set any type-shaped name passes');
  });
});

describe('intersectScopes', () => {
  const grant = (requested: string, allowed: string) => texts(intersectScopes(parseScopes(requested), parseScopes(allowed)));

  it('a v1 wildcard allowance grants a v2 request, keeping the requested syntax', () => {
    assert.deepEqual(grant('patient/Observation.rs', 'patient/*.read'), ['patient/Observation.rs']);
    assert.deepEqual(grant('patient/Observation.read', 'patient/*.rs'), ['patient/Observation.read']);
    assert.deepEqual(grant(G10_GRANULAR.join(' '), 'patient/*.read'), G10_GRANULAR);
  });

  it('a request granted in full comes back as the same value', () => {
    const requested = parseScopes('patient/Observation.rs?category=a%7Cb');
    const [granted] = intersectScopes(requested, parseScopes('patient/*.*'));
    assert.equal(granted, requested[0]);
  });

  it('the narrower one wins: type, permissions and queries', () => {
    assert.deepEqual(grant('patient/*.rs', 'patient/Observation.rs patient/Patient.r'), ['patient/Observation.rs', 'patient/Patient.r']);
    assert.deepEqual(grant('patient/Observation.cruds', 'patient/Observation.rs'), ['patient/Observation.rs']);
    assert.deepEqual(
      grant('patient/Observation.rs', 'patient/Observation.rs?category=laboratory'),
      ['patient/Observation.rs?category=laboratory'],
    );
    assert.deepEqual(
      grant('patient/Observation.rs?code=x', 'patient/Observation.rs?category=laboratory'),
      ['patient/Observation.rs?code=x&category=laboratory'],
    );
  });

  it('v1 requests stay v1 when the result can be said in v1, else fall back to letters', () => {
    assert.deepEqual(grant('patient/Observation.*', 'patient/*.read'), ['patient/Observation.read']);
    assert.deepEqual(grant('patient/Observation.read', 'patient/Observation.r'), ['patient/Observation.r']);
    assert.equal((intersectScopes(parseScopes('patient/*.*'), parseScopes('patient/*.r'))[0] as ResourceScope).version, 2);
  });

  it('permissions from several allowances add up; overlaps collapse', () => {
    assert.deepEqual(grant('patient/Observation.rs', 'patient/Observation.r patient/*.s'), ['patient/Observation.rs']);
    assert.deepEqual(grant('patient/*.read', 'patient/*.rs patient/Observation.r'), ['patient/*.read']);
  });

  it('contexts do not mix; disjoint permissions grant nothing; unknowns never granted', () => {
    assert.deepEqual(grant('user/Observation.rs', 'patient/*.*'), []);
    assert.deepEqual(grant('patient/Observation.write', 'patient/*.read'), []);
    assert.deepEqual(grant('patient/Observation.rs', 'patient/Condition.rs'), []);
    assert.deepEqual(grant('email patient/Foo', 'email patient/Foo'), []);
  });

  it('non-resource scopes are granted when allowed', () => {
    assert.deepEqual(grant(`${LAUNCH} launch`, 'openid fhirUser launch/patient'), ['launch/patient', 'openid', 'fhirUser']);
    assert.deepEqual(
      grant(`${LAUNCH} patient/Patient.rs`, `${LAUNCH} launch online_access patient/*.read`),
      ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/Patient.rs'],
    );
  });
});

describe('isCoveredBy', () => {
  const original = parseScopes(`${LAUNCH} patient/Patient.rs ${G10_GRANULAR[2]}`);
  const covered = (wanted: string, granted: readonly Scope[] | string) =>
    isCoveredBy(parseScopes(wanted), typeof granted === 'string' ? parseScopes(granted) : granted);

  it('the grant itself, any part of it, and nothing at all are covered (normalized queries too)', () => {
    assert.equal(covered('openid patient/Patient.rs', original), true);
    assert.equal(isCoveredBy(original, original), true);
    assert.equal(isCoveredBy([], original), true);
    assert.equal(covered(G10_GRANULAR[2]!.replace('|', '%7C'), original), true, 'normalized form');
  });

  it('by meaning: a wildcard type covers a type, fewer permissions, a query under a query-less scope, v1 as v2', () => {
    assert.equal(covered('patient/Observation.rs', 'patient/*.rs'), true);
    assert.equal(covered('patient/Observation.read', 'patient/*.read'), true);
    assert.equal(covered('patient/Patient.r', original), true);
    assert.equal(covered('patient/Patient.read', original), true, 'read is rs');
    assert.equal(covered('patient/Patient.rs', 'patient/Patient.read'), true);
    assert.equal(covered('patient/Observation.cud', 'patient/*.write'), true, 'write is cud');
    assert.equal(covered(G10_GRANULAR[3]!, 'patient/Observation.rs'), true);
    assert.equal(covered(`${G10_GRANULAR[2]!}&code=x`, original), true, 'a query with more pairs is narrower');
    assert.equal(covered('patient/Observation.rs', 'patient/Observation.r patient/*.s'), true, 'permissions from several scopes');
  });

  it('nothing wider: another type, context or permission, a missing query pair, a wildcard under a type', () => {
    assert.equal(covered('patient/Observation.rs', original), false, 'the granted Observation scope is granular');
    assert.equal(covered('patient/Condition.rs', 'patient/Observation.rs'), false);
    assert.equal(covered('patient/*.rs', 'patient/Observation.rs'), false);
    assert.equal(covered('user/Patient.rs', original), false);
    assert.equal(covered('patient/Patient.rsu', original), false);
    assert.equal(covered('patient/Patient.write', 'patient/Patient.read'), false);
    assert.equal(covered(G10_GRANULAR[3]!, original), false, 'another category');
  });

  it('launch, OpenID Connect and refresh scopes as tokens; unknown scopes never', () => {
    assert.equal(covered('launch/patient openid fhirUser offline_access', original), true);
    assert.equal(covered('online_access', original), false);
    assert.equal(covered('launch', original), false);
    assert.equal(covered('profile', original), false);
    assert.equal(covered('email', 'email openid'), false);
  });
});

describe('scope syntax (RFC 6749 section 3.3)', () => {
  it('tokens of printable ASCII but quote and backslash, separated by spaces', () => {
    assert.equal(scopeSyntaxProblem(`${LAUNCH} ${G10_GRANULAR[0]!}`), undefined);
    assert.equal(scopeSyntaxProblem('openid  fhirUser '), undefined, 'runs of spaces are tolerated');
    for (const bad of ['openid\nfhirUser', 'openid\tfhirUser', 'openid\r\nfhirUser', 'a\u0000b', 'a\u007fb', 'a"b', 'a\\b', 'patient/Patient.rs\u00a0openid', 'é']) {
      assert.match(scopeSyntaxProblem(bad) ?? '', /^scope contains the character U\+[0-9A-F]{4}: /, JSON.stringify(bad));
      assert.match(scopeSyntaxProblem(bad) ?? '', /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/, 'error_description characters');
    }
  });

  it('the parser splits on spaces only: a token with a line break is unknown, never two tokens', () => {
    assert.deepEqual(
      parseScopes('openid\npatient/Patient.rs launch').map((s) => s.kind),
      ['unknown', 'launch'],
    );
  });
});
