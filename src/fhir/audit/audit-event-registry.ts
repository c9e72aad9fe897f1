import type { SearchParam, SearchParameterRegistry } from '../search/registry.ts';
import { AUDIT_EVENT_SEARCH_PARAMS } from './audit-query.ts';

/**
 * The registry as the FHIR API offers it: AuditEvent with the parameters the trail answers only (audit-query.ts),
 * so that any other is what an unknown parameter is everywhere (dropped, or a 400 under `Prefer: handling=strict`;
 * an access policy's filter using one fails closed), and the CapabilityStatement lists just these.
 */
export function withAuditEventParams(registry: SearchParameterRegistry): SearchParameterRegistry {
  const auditEventParams = new Map<string, SearchParam>(
    [...registry.forType('AuditEvent')].filter(([code]) => AUDIT_EVENT_SEARCH_PARAMS.has(code)),
  );
  return {
    resourceTypes: registry.resourceTypes,
    elements: (typeOrPath) => registry.elements(typeOrPath),
    codeSystem: (elementPath) => registry.codeSystem(elementPath),
    get: (resourceType, code) => (resourceType === 'AuditEvent' ? auditEventParams.get(code) : registry.get(resourceType, code)),
    forType: (resourceType) => (resourceType === 'AuditEvent' ? auditEventParams : registry.forType(resourceType)),
  };
}
