import type { RpcCaller } from './rpc-caller.ts';
import { RpcError } from './rpc-error.ts';
import { rpcRequestSchema } from './rpc-params.ts';

/** One RPC method: params in, result out; throws RpcError for bad params. */
export type RpcMethod = (params: unknown, caller: RpcCaller) => Promise<unknown>;

/** Aidbox-style RPC: `{ method, params }` → `{ result }`. Other issues add methods (e.g. aidbox.smart/get-launch-uri). */
export async function dispatchRpc(methods: ReadonlyMap<string, RpcMethod>, body: unknown, caller: RpcCaller): Promise<{ result: unknown }> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RpcError(400, 'the body must be an object { method, params }');
  const parsed = rpcRequestSchema.safeParse(body);
  if (!parsed.success) throw new RpcError(400, parsed.error.issues[0]?.message ?? 'method is required (a string)', { param: 'method' });
  const { method, params } = parsed.data;
  const run = methods.get(method);
  if (!run) throw new RpcError(404, `unknown method ${method}`, { method, known: [...methods.keys()] });
  return { result: await run(params, caller) };
}
