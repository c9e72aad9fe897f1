import { freePort } from '../../support/processes.ts';
import { startPortico, type Driver, type TestPortico } from '../../support/portico.ts';

export interface ListeningPortico {
  portico: TestPortico;
  /** The listening URL, which is also BASE_URL (so `iss` and `aud` match what clients see). */
  baseUrl: string;
  fhirBase: string;
  stop(): Promise<void>;
}

/**
 * A real Portico HTTP server on a loopback port (sandbox mode; PGlite unless another driver is given): browsers and
 * OAuth libraries talk to it over the network, not through app.inject.
 */
export async function startListeningPortico(env: Record<string, string> = {}, driver: Driver = 'pglite'): Promise<ListeningPortico> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const portico = await startPortico(driver, { BASE_URL: baseUrl, ...env });
  await portico.signingKeys.ensure();
  await portico.app.listen({ host: '127.0.0.1', port });
  return { portico, baseUrl, fhirBase: `${baseUrl}/fhir`, stop: () => portico.stop() };
}
