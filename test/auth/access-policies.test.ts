import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminError } from '../../src/auth/admin/admin-error.ts';
import type { AccessPolicy } from '../../src/auth/policies/access-policy.ts';
import { evaluatePolicies } from '../../src/auth/policies/evaluate-policies.ts';
import { matches } from '../../src/auth/policies/matcho.ts';
import type { PolicyRequestContext } from '../../src/auth/policies/request-context.ts';
import { validateAccessPolicy } from '../../src/auth/policies/validate-access-policy.ts';

const request = (extra: Partial<PolicyRequestContext> = {}): PolicyRequestContext => ({
  method: 'GET',
  uri: '/fhir/Patient/test-pt-1',
  params: { _count: '10', code: ['a', 'b'] },
  client: { id: 'app-1', type: 'smart-app' },
  user: { id: 'u-1', roles: ['practitioner', 'admin'], fhirUser: 'Practitioner/pract-01' },
  ...extra,
});

describe('matcho', () => {
  it('strings: equality, #regex, present?, nil?', () => {
    assert.equal(matches({ method: 'GET' }, request()), true);
    assert.equal(matches({ method: 'POST' }, request()), false);
    assert.equal(matches({ uri: '#^/fhir/Patient/[^/]+$' }, request()), true);
    assert.equal(matches({ uri: '#^/fhir/Observation' }, request()), false);
    assert.equal(matches({ uri: '#[' }, request()), false, 'a broken regex matches nothing');
    assert.equal(matches({ user: 'present?' }, request()), true);
    assert.equal(matches({ operation: 'nil?' }, request()), true);
    assert.equal(matches({ user: 'nil?' }, request()), false);
  });

  it('nested objects match recursively; extra keys in the request are fine; missing ones are not', () => {
    assert.equal(matches({ client: { id: 'app-1' }, params: { _count: '10' } }, request()), true);
    assert.equal(matches({ client: { id: 'app-2' } }, request()), false);
    assert.equal(matches({ client: { secret: 'present?' } }, request()), false);
    assert.equal(matches({ user: { fhirUser: '#^Practitioner/' } }, request()), true);
    assert.equal(matches({ user: { fhirUser: { reference: 'x' } } }, request()), false, 'an object pattern needs an object');
  });

  it('$enum and $one-of', () => {
    assert.equal(matches({ method: { $enum: ['GET', 'HEAD'] } }, request()), true);
    assert.equal(matches({ method: { $enum: ['PUT', 'POST'] } }, request()), false);
    assert.equal(matches({ $one: 1 }, request()), false);
    assert.equal(matches({ client: { '$one-of': [{ id: 'x' }, { type: 'smart-app' }] } }, request()), true);
    assert.equal(matches({ client: { '$one-of': [{ id: 'x' }, { type: 'bulk-api-client' }] } }, request()), false);
    assert.equal(matches({ '$one-of': [{ method: 'PUT' }, { uri: '#Patient' }] }, request()), true);
  });

  it('arrays: every pattern element matches some element; numbers and booleans by equality', () => {
    assert.equal(matches({ user: { roles: ['admin'] } }, request()), true);
    assert.equal(matches({ user: { roles: ['admin', 'practitioner'] } }, request()), true);
    assert.equal(matches({ user: { roles: ['patient'] } }, request()), false);
    assert.equal(matches({ params: { code: ['#^b$'] } }, request()), true);
    assert.equal(matches({ n: 1, b: true }, { n: 1, b: true }), true);
    assert.equal(matches({ n: 1 }, { n: '1' }), false);
  });
});

describe('evaluatePolicies', () => {
  const allowApp: AccessPolicy = { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'app-1' }] };
  const allowUser: AccessPolicy = { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'User', id: 'u-9' }] };
  const readOnly: AccessPolicy = { resourceType: 'AccessPolicy', engine: 'matcho', matcho: { method: { $enum: ['GET'] }, uri: '#^/fhir/' } };

  it('no policy: no access', () => {
    assert.equal(evaluatePolicies([], request()), false);
  });

  it('allow grants requests from a linked Client, User or Operation only', () => {
    assert.equal(evaluatePolicies([allowApp], request()), true);
    assert.equal(evaluatePolicies([allowApp], request({ client: { id: 'other' } })), false);
    assert.equal(evaluatePolicies([allowUser], request()), false);
    assert.equal(evaluatePolicies([allowUser], request({ user: { id: 'u-9' } })), true);
    const op: AccessPolicy = { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Operation', id: 'Client.read' }] };
    assert.equal(evaluatePolicies([op], request({ operation: { id: 'Client.read' } })), true);
    assert.equal(evaluatePolicies([op], request({ operation: { id: 'Client.delete' } })), false);
    const unlinked: AccessPolicy = { resourceType: 'AccessPolicy', engine: 'allow' };
    assert.equal(evaluatePolicies([unlinked], request()), false, 'an allow policy never grants everyone');
  });

  it('matcho grants matching requests; with links, only from the linked subject; any policy suffices', () => {
    assert.equal(evaluatePolicies([readOnly], request()), true);
    assert.equal(evaluatePolicies([readOnly], request({ method: 'DELETE' })), false);
    const linked: AccessPolicy = { ...readOnly, link: [{ resourceType: 'Client', id: 'app-2' }] };
    assert.equal(evaluatePolicies([linked], request()), false);
    assert.equal(evaluatePolicies([linked, allowApp], request({ method: 'DELETE' })), true);
  });
});

describe('AccessPolicy validation', () => {
  const fails = (body: unknown, expression: string) => {
    assert.throws(
      () => validateAccessPolicy(body, {}),
      (err: unknown) => err instanceof AdminError && err.status === 422 && err.issues.some((i) => i.expression?.[0] === expression),
      `${JSON.stringify(body)} should name ${expression}`,
    );
  };

  it("accepts the seeds' policies; the context id wins; references become { resourceType, id }", () => {
    const policy = validateAccessPolicy(
      { resourceType: 'AccessPolicy', id: 'my-smart-app-client-id-allow', engine: 'allow', link: [{ id: 'my-public-smart-app-client-id', resourceType: 'Client' }] },
      { id: 'my-confidential-smart-app-client-id' },
    );
    assert.equal(policy.id, 'my-confidential-smart-app-client-id');
    assert.deepEqual(validateAccessPolicy({ engine: 'allow', link: [{ reference: 'User/u-1' }] }, {}).link, [{ resourceType: 'User', id: 'u-1' }]);
  });

  it('refuses unknown engines, allow without links, matcho without a pattern, broken regexes, non-array $enum', () => {
    fails({ engine: 'sql', sql: { query: 'select true' } }, 'AccessPolicy.engine');
    fails({ engine: 'allow' }, 'AccessPolicy.link');
    fails({ engine: 'allow', link: [{ resourceType: 'Patient', id: 'x' }] }, 'AccessPolicy.link[0]');
    fails({ engine: 'matcho' }, 'AccessPolicy.matcho');
    fails({ engine: 'matcho', matcho: { uri: '#(' } }, 'AccessPolicy.matcho.uri');
    fails({ engine: 'matcho', matcho: { method: { $enum: 'GET' } } }, 'AccessPolicy.matcho.method.$enum');
  });
});
