import type { Interaction } from '../interaction.ts';

/** GET [base]/metadata — the CapabilityStatement of what this server really supports. */
export const capabilities: Interaction = async (_request, _route, deps) => ({
  status: 200,
  body: {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: deps.now().toISOString(),
    kind: 'instance',
    software: { name: 'Portico' },
    implementation: { description: 'Portico FHIR R4 server', url: deps.settings.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [{ mode: 'server' }],
  },
});
