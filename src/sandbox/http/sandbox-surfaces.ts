import { ENDPOINTS } from '../../endpoints.ts';
import type { FhirDeps } from '../../fhir/interaction.ts';
import type { ExtraSurface } from '../../http/app.ts';
import { fhirPlugin } from '../../http/fhir/fhir-plugin.ts';
import type { DebugTokenDeps } from '../auth/debug-token.ts';
import { sandboxPlugin } from './sandbox-plugin.ts';
import { sampleAppPlugin, type SampleAppPluginOptions } from './sample-app-plugin.ts';

export interface SandboxSurfaceOptions {
  /** What the debug token endpoints mint and introspect with. */
  debugTokens: DebugTokenDeps;
  /** The FHIR API the open mount serves, its links under that mount. */
  openFhir: FhirDeps;
  /** The built-in sample app (the root's surfaces only: its demo clients are the root issuer's). */
  sampleApp?: SampleAppPluginOptions;
}

/**
 * The sandbox's own HTTP surfaces (seed 003): the FHIR API without authentication at the open-FHIR path, with
 * full access, the S4S debug token endpoints, and the sample app when given. Never served outside sandbox mode.
 */
export function sandboxSurfaces(options: SandboxSurfaceOptions): ExtraSurface[] {
  const mount = ENDPOINTS.openFhir.path;
  const surfaces: ExtraSurface[] = [
    async (app, { maxJsonDepth, fhirGate }) => {
      await app.register(fhirPlugin, {
        prefix: mount,
        mount,
        deps: options.openFhir,
        maxJsonDepth,
        gate: fhirGate,
        auth: { authenticate: async () => ({ ok: true, principal: { kind: 'root' } }), accessFor: () => Promise.reject(new Error('open FHIR has no tokens')) },
      });
    },
    async (app, { maxJsonDepth }) => {
      await app.register(sandboxPlugin, { deps: options.debugTokens, maxJsonDepth });
    },
  ];
  const sampleApp = options.sampleApp;
  return sampleApp ? [...surfaces, async (app) => void (await app.register(sampleAppPlugin, sampleApp))] : surfaces;
}
