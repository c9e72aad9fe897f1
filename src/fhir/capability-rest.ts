import type { FhirOperation } from './operations/operation.ts';
import type { Resource } from './resource.ts';

/** What the router serves: the names of its interaction table, and its operations. */
export interface RouterTables {
  /** Keys of the interaction table (`read`, `conditional-update`, `batch`, …; `patch` once it is there). */
  interactions: readonly string[];
  operations: readonly Pick<FhirOperation, 'name' | 'definition' | 'typeDefinitions' | 'levels'>[];
}

/** FHIR R4 valueset-type-restful-interaction: the codes a resource entry lists, in the order the spec gives them. */
const TYPE_CODES = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
/** FHIR R4 valueset-system-restful-interaction. The batch interaction runs transactions too (bundle type decides). */
const SYSTEM_CODES: Readonly<Record<string, readonly string[]>> = {
  batch: ['transaction', 'batch'],
  'search-system': ['search-system'],
  'history-system': ['history-system'],
};
/**
 * Types written by the server alone: AuditEvents come from the audit trail, one version each
 * (src/fhir/audit/audit-event-writes.ts refuses writes; the trail has no type history).
 */
const READ_ONLY: Readonly<Record<string, readonly string[]>> = {
  AuditEvent: ['read', 'vread', 'history-instance', 'search-type'],
};

interface ResourceEntry {
  type: string;
  supportedProfile?: string[];
  [key: string]: unknown;
}

interface OperationEntry {
  name: string;
  definition: string;
}

/**
 * The statement with its interactions (rest.interaction, rest.resource.interaction) and operations
 * (rest.operation, rest.resource.operation: FHIR R4 capabilitystatement-definitions.html#CapabilityStatement.rest.operation)
 * taken from the router's tables, so that an interaction or operation added there is listed, and
 * nothing the router does not dispatch is.
 */
export function withRouterTables(statement: Resource, tables: RouterTables): Resource {
  const served = new Set(tables.interactions);
  const typeCodes = TYPE_CODES.filter((code) => served.has(code));
  const systemCodes = Object.entries(SYSTEM_CODES).flatMap(([name, codes]) => (served.has(name) ? codes : []));
  const typeOperations = new Map<string, OperationEntry[]>();
  const systemOperations: OperationEntry[] = [];
  for (const op of tables.operations) {
    // The name that, prefixed with `$`, is used in the URL (R4 CapabilityStatement.rest.resource.operation.name).
    const name = op.name.slice(1);
    if (op.levels.system) systemOperations.push({ name, definition: op.definition });
    for (const type of new Set([...op.levels.type, ...op.levels.instance])) {
      const list = typeOperations.get(type) ?? [];
      list.push({ name, definition: op.typeDefinitions?.[type] ?? op.definition });
      typeOperations.set(type, list);
    }
  }

  const rests = Array.isArray(statement.rest) ? (statement.rest as Record<string, unknown>[]) : [];
  const rest = rests.map((r) => {
    const resources = Array.isArray(r.resource) ? (r.resource as ResourceEntry[]) : [];
    const { resource: _resource, searchParam, ...head } = r;
    return {
      ...head,
      resource: resources.map(({ type, supportedProfile, ...others }) => {
        const codes = READ_ONLY[type] ? typeCodes.filter((c) => READ_ONLY[type]?.includes(c)) : typeCodes;
        const operation = typeOperations.get(type);
        return {
          type,
          ...(supportedProfile ? { supportedProfile } : {}),
          interaction: codes.map((code) => ({ code })),
          ...others,
          ...(operation ? { operation } : {}),
        };
      }),
      interaction: systemCodes.map((code) => ({ code })),
      ...(searchParam !== undefined ? { searchParam } : {}),
      ...(systemOperations.length > 0 ? { operation: systemOperations } : {}),
    };
  });
  return { ...statement, rest };
}
