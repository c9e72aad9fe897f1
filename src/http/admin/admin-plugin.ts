import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { adminPolicyContext, authenticateBasic, mayCall, type AdminAccessDeps, type AdminCaller } from '../../auth/admin/admin-access.ts';
import { badRequest } from '../../auth/admin/admin-error.ts';
import { ADMIN_KINDS, type AdminKind, type RegistryAdmin } from '../../auth/admin/registry-admin.ts';
import { bodyText } from '../body-text.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { noStore } from '../no-store.ts';
import { ADMIN_BODY_LIMIT, parseAdminBody } from './admin-body.ts';
import { forbidden, renderAdminError, send, throttled, unauthorized } from './admin-render.ts';

export interface AdminPluginOptions {
  admin: RegistryAdmin;
  access: AdminAccessDeps;
  /** Public base URL, for paging links. */
  baseUrl: string;
  defaultPageSize: number;
  maxPageSize: number;
  maxJsonDepth: number;
  /** The kinds served (a tenant's admin API has no /Tenant); absent: all. */
  kinds?: readonly AdminKind[];
}

type Interaction = 'read' | 'list' | 'create' | 'update' | 'delete';

/**
 * The admin API of the registry: /Client, /User, /AccessPolicy (Aidbox's REST shape). Root client by
 * HTTP Basic, or a Client an AccessPolicy allows. Bodies JSON or YAML; answers JSON, or YAML on request;
 * never cached. `POST /Client/{id}/$rotate-secret`: the root client, or the developer who owns the Client.
 */
export async function adminPlugin(app: FastifyInstance, options: AdminPluginOptions): Promise<void> {
  const { admin, access } = options;

  app.removeAllContentTypeParsers();
  // Every media type arrives as bytes; the handler decodes and parses them so a bad body is an OperationOutcome.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ADMIN_BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => renderAdminError(error, request, reply));
  app.addHook('onRequest', refuseForbiddenText((description) => badRequest(description)));
  // Every answer, errors included: a Client's secret is shown here, and no answer is anyone else's to keep.
  app.addHook('onSend', async (_request, reply, payload) => {
    noStore(reply);
    return payload;
  });

  const body = (request: FastifyRequest): unknown =>
    Buffer.isBuffer(request.body) ? parseAdminBody(bodyText(request.body), request.headers['content-type'], options.maxJsonDepth) : request.body;

  async function authenticate(request: FastifyRequest): Promise<AdminCaller> {
    const caller = await authenticateBasic(request.headers.authorization, access);
    if (!caller) throw unauthorized();
    if (caller.kind === 'throttled') throw throttled(caller.retryAfterSeconds);
    // Where the request came from goes with the caller: the changes it makes are recorded with it.
    return { ...caller, address: request.ip };
  }

  async function authorize(request: FastifyRequest, kind: AdminKind, interaction: Interaction): Promise<AdminCaller> {
    const caller = await authenticate(request);
    const context = adminPolicyContext(request.method, new URL(request.url, 'http://x'), `${kind}.${interaction}`);
    if (!(await mayCall(caller, context, access))) throw forbidden();
    return caller;
  }

  for (const kind of options.kinds ?? ADMIN_KINDS) {
    app.get(`/${kind}/:id`, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const caller = await authorize(request, kind, 'read');
      return send(request, reply, 200, await admin.read(kind, request.params.id, { revealSecret: caller.kind === 'root' }));
    });

    app.put(`/${kind}/:id`, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const caller = await authorize(request, kind, 'update');
      const { resource, created } = await admin.put(kind, request.params.id, body(request), caller);
      return send(request, reply, created ? 201 : 200, resource);
    });

    app.post(`/${kind}`, async (request, reply) => {
      const caller = await authorize(request, kind, 'create');
      const resource = await admin.create(kind, body(request), caller);
      reply.header('location', `${options.baseUrl}/${kind}/${String(resource.id)}`);
      return send(request, reply, 201, resource);
    });

    app.delete(`/${kind}/:id`, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
      const caller = await authorize(request, kind, 'delete');
      return send(request, reply, 200, await admin.delete(kind, request.params.id, caller));
    });

    app.get(`/${kind}`, async (request, reply) => {
      await authorize(request, kind, 'list');
      const query = new URL(request.url, 'http://x').searchParams;
      const count = Math.min(pageNumber(query.get('_count'), '_count', options.defaultPageSize, 0), options.maxPageSize);
      const page = pageNumber(query.get('_page'), '_page', 1, 1);
      const result = await admin.list(kind, { count, offset: (page - 1) * count });
      const link = (p: number) => `${options.baseUrl}/${kind}?_count=${count}&_page=${p}`;
      const links = [{ relation: 'self', url: link(page) }, { relation: 'first', url: link(1) }];
      if (page > 1) links.push({ relation: 'previous', url: link(page - 1) });
      if (count > 0 && page * count < result.total) links.push({ relation: 'next', url: link(page + 1) });
      return send(request, reply, 200, {
        resourceType: 'Bundle',
        type: 'searchset',
        total: result.total,
        link: links,
        entry: result.resources.map((resource) => ({ resource })),
      });
    });
  }

  // Not an AccessPolicy matter: only the root client and the Client's owner may have its new secret.
  app.post('/Client/:id/$rotate-secret', async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const caller = await authenticate(request);
    return send(request, reply, 200, await admin.rotateSecret(request.params.id, caller));
  });
}

/** `_count` / `_page`: whole numbers, at least `min`. */
function pageNumber(value: string | null, name: string, fallback: number, min: number): number {
  if (value === null) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < min) throw badRequest(`${name} must be a whole number of at least ${min}`, name);
  return Number(value);
}
