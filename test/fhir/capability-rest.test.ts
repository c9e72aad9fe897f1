import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withRouterTables } from '../../src/fhir/capability-rest.ts';
import type { Resource } from '../../src/fhir/resource.ts';

const statement: Resource = {
  resourceType: 'CapabilityStatement',
  status: 'active',
  rest: [{ mode: 'server', resource: [{ type: 'AuditEvent' }, { type: 'Patient', supportedProfile: ['p'], versioning: 'versioned-update' }, { type: 'ValueSet' }], searchParam: [{ name: '_id' }] }],
};
const codes = (list: unknown) => (list as { code: string }[]).map((i) => i.code);
type Rest = { interaction: unknown; operation?: unknown; resource: Record<string, unknown>[] };

describe('CapabilityStatement interactions and operations from the router tables', () => {
  it('lists the interactions of the table, and patch once the table has it', () => {
    const table = ['read', 'vread', 'create', 'update', 'conditional-update', 'delete', 'search-type', 'search-system', 'history-instance', 'history-type', 'batch'];
    const rest = (withRouterTables(statement, { interactions: table, operations: [] }).rest as Rest[])[0]!;
    assert.deepEqual(codes(rest.resource[1]?.interaction), ['read', 'vread', 'update', 'delete', 'history-instance', 'history-type', 'create', 'search-type']);
    assert.deepEqual(codes(rest.interaction), ['transaction', 'batch', 'search-system']);
    assert.deepEqual(codes(rest.resource[0]?.interaction), ['read', 'vread', 'history-instance', 'search-type']);
    assert.equal(rest.operation, undefined);
    // Element order: type, supportedProfile, interaction, then the rest of the entry.
    assert.deepEqual(Object.keys(rest.resource[1]!), ['type', 'supportedProfile', 'interaction', 'versioning']);

    const withPatch = (withRouterTables(statement, { interactions: [...table, 'patch', 'conditional-patch'], operations: [] }).rest as Rest[])[0]!;
    assert.ok(codes(withPatch.resource[1]?.interaction).includes('patch'));
    assert.ok(!codes(withPatch.resource[0]?.interaction).includes('patch'));
  });

  it('lists each operation where its levels put it, with its definition', () => {
    const operations = [
      { name: '$validate' as const, definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate', levels: { system: false, type: ['Patient', 'ValueSet'], instance: ['Patient'] } },
      { name: '$expand' as const, definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand', levels: { system: false, type: ['ValueSet'], instance: ['ValueSet'] } },
      { name: '$export' as const, definition: 'sys-export', typeDefinitions: { Patient: 'patient-export' }, levels: { system: true, type: ['Patient'], instance: [] } },
    ];
    const rest = (withRouterTables(statement, { interactions: [], operations }).rest as Rest[])[0]!;
    assert.deepEqual(rest.operation, [{ name: 'export', definition: 'sys-export' }]);
    assert.deepEqual(rest.resource[1]?.operation, [
      { name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' },
      { name: 'export', definition: 'patient-export' },
    ]);
    assert.deepEqual((rest.resource[2]?.operation as { name: string }[]).map((o) => o.name), ['validate', 'expand']);
    assert.equal(rest.resource[0]?.operation, undefined);
    // The statement it was given is left as it was.
    assert.equal(((statement.rest as Rest[])[0]!.resource[1] as Record<string, unknown>).operation, undefined);
  });
});
