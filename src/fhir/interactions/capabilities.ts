import type { Interaction } from '../interaction.ts';

/** GET [base]/metadata — the CapabilityStatement built at composition time (src/fhir/capability-statement.ts). */
export const capabilities: Interaction = async (_request, _route, deps) => ({
  status: 200,
  body: deps.capabilityStatement,
});
