import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateBasic, mayCall, type AdminAccessDeps } from '../../auth/admin/admin-access.ts';
import { AdminError } from '../../auth/admin/admin-error.ts';
import { basicChallenge } from '../../auth/challenge.ts';
import { DEVELOPER_RPC_METHODS, type RpcCaller } from '../../auth/rpc/rpc-caller.ts';
import { dispatchRpc, type RpcMethod } from '../../auth/rpc/rpc-dispatch.ts';
import { RpcError } from '../../auth/rpc/rpc-error.ts';
import { StorageFault } from '../../fhir/storage-fault.ts';
import { ADMIN_BODY_LIMIT, parseAdminBody } from '../admin/admin-body.ts';
import { send } from '../admin/admin-render.ts';
import { bodyText } from '../body-text.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { BodyError } from '../json-body.ts';
import { noStore } from '../no-store.ts';
import { ENDPOINTS } from '../../endpoints.ts';

export interface RpcPluginOptions {
  methods: ReadonlyMap<string, RpcMethod>;
  access: AdminAccessDeps;
  maxJsonDepth: number;
}

/**
 * POST /rpc, Aidbox's RPC surface: `{ method, params }` (JSON or YAML) → `{ result }`, or
 * `{ error: { message, … } }` with a 4xx naming the problem. Root client; a developer User for the
 * developer portal's methods; or a Client or User an AccessPolicy allows for the method (an
 * `Operation` link whose id is the method name).
 */
export async function rpcPlugin(app: FastifyInstance, options: RpcPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ADMIN_BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => renderRpcError(error, request, reply));
  app.addHook('onRequest', refuseForbiddenText((description) => new RpcError(400, description)));
  // Every answer, errors included: RPC results describe Clients and launches, nobody else's to keep.
  app.addHook('onSend', async (_request, reply, payload) => {
    noStore(reply);
    return payload;
  });

  app.post(ENDPOINTS.rpc.path, async (request, reply) => {
    const authenticated = await authenticateBasic(request.headers.authorization, options.access);
    if (!authenticated) {
      reply.header('www-authenticate', basicChallenge());
      throw new RpcError(401, 'Authenticate with HTTP Basic: the admin client id and secret, or a developer email and password');
    }
    if (authenticated.kind === 'throttled') {
      reply.header('www-authenticate', basicChallenge()).header('retry-after', String(authenticated.retryAfterSeconds));
      throw new RpcError(401, `Too many failed authentications with these credentials; try again in ${authenticated.retryAfterSeconds} seconds`);
    }
    const body = Buffer.isBuffer(request.body) ? parseAdminBody(bodyText(request.body), request.headers['content-type'], options.maxJsonDepth) : request.body;
    const method = body && typeof body === 'object' && 'method' in body && typeof body.method === 'string' ? body.method : '';
    const context = { method: 'POST', uri: ENDPOINTS.rpc.path, params: {}, operation: { id: method }, rpc: { method } };
    const developerMethod = authenticated.kind === 'user' && DEVELOPER_RPC_METHODS.has(method);
    if (!developerMethod && !(await mayCall(authenticated, context, options.access))) {
      throw new RpcError(403, `No AccessPolicy allows calling ${method || 'this method'}`);
    }
    // Where the call came from goes with the caller: the changes it makes are recorded with it.
    const address = request.ip;
    const caller: RpcCaller =
      authenticated.kind === 'root'
        ? { kind: 'root', address }
        : authenticated.kind === 'user'
          ? { kind: 'user', userId: authenticated.user.id, address }
          : { kind: 'client', clientId: authenticated.client.id, address };
    return send(request, reply, 200, await dispatchRpc(options.methods, body, caller));
  });
}

/** The RPC surface's error renderer: `{ error: { message, … } }` with its status, never a stack. */
export function renderRpcError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof StorageFault) {
    if (error.kind !== 'busy') request.log.warn({ err: error }, 'database fault in RPC request');
    // Nothing an RPC caller can narrow: worth retrying as it is (RFC 9110 §15.6.4).
    reply.header('retry-after', String(error.retryAfterSeconds));
    return send(request, reply, 503, { error: { message: error.description } });
  }
  if (error instanceof RpcError) return send(request, reply, error.status, { error: { message: error.message, ...error.details } });
  if (error instanceof BodyError) return send(request, reply, error.status, { error: { message: error.message } });
  if (error instanceof AdminError) return send(request, reply, error.status, { error: { message: error.message, issue: error.issues } });
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(request, reply, 413, { error: { message: 'The request body is too large' } });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return send(request, reply, e.statusCode, { error: { message: e.message ?? 'Bad request' } });
  }
  request.log.error({ err: error }, 'unhandled error in RPC request');
  return send(request, reply, 500, { error: { message: 'Internal error' } });
}
