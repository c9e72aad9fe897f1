import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';

export const ROOT = { id: 'root', secret: 'secret' };

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export interface AdminResponse {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  body: any;
  text: string;
}

export interface SendOptions {
  /** A string is sent as is (with contentType); anything else as JSON. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Authorization header; root's Basic by default, null for none. */
  authorization?: string | null;
}

/** HTTP against the admin API and /rpc through app.inject; parses JSON or YAML answers. `root`: the root client's credentials. */
export function adminHttp(app: FastifyInstance, root: { id: string; secret: string } = ROOT) {
  return async function send(method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, options: SendOptions = {}): Promise<AdminResponse> {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? basic(root.id, root.secret) : options.authorization;
    if (authorization) headers.authorization = authorization;
    if (options.accept) headers.accept = options.accept;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      // contentType '' sends no Content-Type header at all.
      if (options.contentType !== '') headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.contentType) headers['content-type'] = options.contentType;
    const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    const type = String(res.headers['content-type'] ?? '');
    const body = res.body === '' ? undefined : type.includes('yaml') ? parseYaml(res.body) : JSON.parse(res.body);
    return { status: res.statusCode, headers: res.headers, body, text: res.body };
  };
}
