import type { FastifyInstance, InjectOptions } from 'fastify';

export interface FhirReply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** Parsed JSON body, or undefined when empty. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary FHIR JSON
  text: string;
}

/** A tiny FHIR client over Fastify inject(): paths are relative to /fhir. */
export function fhirClient(app: FastifyInstance) {
  async function request(method: InjectOptions['method'], path: string, body?: unknown, headers: Record<string, string> = {}): Promise<FhirReply> {
    const res = await app.inject({
      method,
      url: `/fhir/${path.replace(/^\//, '')}`,
      headers: {
        accept: 'application/fhir+json',
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
