import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { SampleAppClient } from '../auth/demo-clients.ts';
import { sampleAppUris } from '../auth/demo-clients.ts';
import { STYLESHEET_PATH } from '../../ui/stylesheet.ts';

// Next to the sources; `npm start` runs a bundle in dist/, whose own URL is dist/main.mjs: the same folder of the sources.
const SAMPLE_APP_DIR = new URL(import.meta.url.endsWith('.ts') ? '../sample-app/' : '../src/sandbox/sample-app/', import.meta.url);
/** The SMART JavaScript client's browser build for current browsers (no polyfills, global `FHIR`). */
const FHIR_CLIENT_BUILD = 'fhirclient/build/fhir-client.pure.min.js';

/** What the sample app asks for: an EHR launch brings its patient; a standalone launch asks for one. */
export const SAMPLE_APP_EHR_SCOPE = 'launch openid fhirUser offline_access patient/*.rs';
export const SAMPLE_APP_STANDALONE_SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';

/** One file of the sample app, as served. */
export interface SampleAppFile {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/** The sample app's files by their name below its path ('' is its page). */
export type SampleAppFiles = ReadonlyMap<string, SampleAppFile>;

export interface SampleAppSettings {
  /** BASE_URL: the redirect URI and the FHIR base the app offers are below it. */
  baseUrl: string;
  fhirBaseUrl: string;
  /** The clients its launch page may act as; the first by default. */
  clients: readonly SampleAppClient[];
}

// The app's own files change with Portico: revalidated on every use. The fhirclient build is named by its content
// hash, so a newer build is a new URL and this one may be kept for a year.
const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Reads the sample app once, at start: its pages, scripts and stylesheet, the config script its launch page reads,
 * and the fhirclient browser build from node_modules. Throws, naming what is missing, when a file is absent, so a
 * sandbox never starts with a sample app that cannot launch.
 */
export async function loadSampleAppFiles(settings: SampleAppSettings): Promise<SampleAppFiles> {
  const fhirClient = await readFhirClientBuild();
  const fhirClientName = `fhir-client.${createHash('sha256').update(fhirClient).digest('hex').slice(0, 16)}.js`;
  const own = async (name: string) => readFile(new URL(name, SAMPLE_APP_DIR)).catch((err: unknown) => {
    throw new Error(`the sample app's ${name} is missing next to the sources (${SAMPLE_APP_DIR.pathname}): ${err instanceof Error ? err.message : String(err)}`);
  });
  const page = async (name: string) =>
    Buffer.from((await own(name)).toString('utf8').replaceAll('{{portico.css}}', STYLESHEET_PATH).replaceAll('{{fhir-client.js}}', fhirClientName));
  const html = (body: Buffer): SampleAppFile => ({ body, type: 'text/html; charset=utf-8', cacheControl: REVALIDATE });
  const script = (body: Buffer, cacheControl = REVALIDATE): SampleAppFile => ({ body, type: 'text/javascript; charset=utf-8', cacheControl });
  const index = html(await page('index.html'));
  return new Map<string, SampleAppFile>([
    ['', index],
    ['index.html', index],
    ['launch.html', html(await page('launch.html'))],
    ['app.js', script(await own('app.js'))],
    ['launch.js', script(await own('launch.js'))],
    ['config.js', script(Buffer.from(configScript(settings)))],
    ['sample-app.css', { body: await own('sample-app.css'), type: 'text/css; charset=utf-8', cacheControl: REVALIDATE }],
    [fhirClientName, script(fhirClient, IMMUTABLE)],
  ]);
}

/** `window.PORTICO_SAMPLE_APP`: where the app redirects to, which FHIR base it launches against, as which clients. */
function configScript({ baseUrl, fhirBaseUrl, clients }: SampleAppSettings): string {
  const config = {
    fhirBase: fhirBaseUrl,
    redirectUri: sampleAppUris(baseUrl).redirect,
    ehrScope: SAMPLE_APP_EHR_SCOPE,
    standaloneScope: SAMPLE_APP_STANDALONE_SCOPE,
    clients: clients.map(({ id, name, secret }) => ({ id, name, ...(secret !== undefined ? { secret } : {}) })),
  };
  return `window.PORTICO_SAMPLE_APP = ${JSON.stringify(config)};\n`;
}

async function readFhirClientBuild(): Promise<Buffer> {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(FHIR_CLIENT_BUILD);
  } catch (err) {
    throw new Error(`the sample app needs the fhirclient package's browser build (${FHIR_CLIENT_BUILD}; npm install): ${err instanceof Error ? err.message : String(err)}`);
  }
  return readFile(path);
}
