import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/processes.ts';

/** What the static app's launch page asks for. */
export interface AppConfig {
  clientId: string;
  ehrScope: string;
  standaloneScope: string;
}

export interface StaticApp {
  /** Origin of the app, e.g. http://localhost:40123 (Chromium maps localhost to 127.0.0.1). */
  origin: string;
  launchUri: string;
  redirectUri: string;
  close(): Promise<void>;
}

const APP_DIR = fileURLToPath(new URL('../app/', import.meta.url));
// The SMART JavaScript client's browser bundle (global FHIR), as a page would load it from a CDN.
const FHIR_CLIENT_BUNDLE = createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js');

/**
 * The SMART app under test: launch.html and index.html, the fhirclient bundle, and config.js (the client id
 * and scopes). Served on a loopback port under the host name `localhost`, so the app is another origin than
 * Portico (127.0.0.1): its token and FHIR requests are cross-origin, as in real deployments.
 */
export async function startStaticApp(config: AppConfig): Promise<StaticApp> {
  const files: Record<string, () => Promise<string | Buffer>> = {
    '/launch.html': () => readFile(`${APP_DIR}launch.html`),
    '/index.html': () => readFile(`${APP_DIR}index.html`),
    '/fhir-client.js': () => readFile(FHIR_CLIENT_BUNDLE),
    '/config.js': async () => `window.APP_CONFIG = ${JSON.stringify(config)};\n`,
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = files[path];
    if (req.method !== 'GET' || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    file().then(
      (body) => res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const origin = `http://localhost:${port}`;
  return {
    origin,
    launchUri: `${origin}/launch.html`,
    redirectUri: `${origin}/index.html`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
