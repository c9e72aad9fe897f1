import type { FastifyInstance, InjectOptions } from 'fastify';

export interface FhirReply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON body, or undefined when empty. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary FHIR JSON
  text: string;
}

/** The sandbox root client's Basic credentials (full access to the FHIR API). */
export const ROOT_AUTHORIZATION = `Basic ${Buffer.from('root:secret').toString('base64')}`;

/**
 * A tiny FHIR client over Fastify inject(): paths are relative to /fhir. It authenticates as the
 * root client unless given another Authorization value (or null for none).
 */
export function fhirClient(app: FastifyInstance, authorization: string | null = ROOT_AUTHORIZATION) {
  async function request(method: InjectOptions['method'], path: string, body?: unknown, headers: Record<string, string> = {}): Promise<FhirReply> {
    const res = await app.inject({
      method,
      url: `/fhir/${path.replace(/^\//, '')}`,
      headers: {
        accept: 'application/fhir+json',
        ...(authorization !== null ? { authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      body: res.body ? JSON.parse(res.body) : undefined,
      text: res.body,
    };
  }
  return {
    request,
    get: (path: string, headers?: Record<string, string>) => request('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => request('PUT', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => request('DELETE', path, undefined, headers),
  };
}

export type FhirClient = ReturnType<typeof fhirClient>;
