import { z } from 'zod';
import { pathText } from '../registry/validation-error.ts';
import { RpcError } from './rpc-error.ts';

/** Aidbox's RPC envelope: `{ method, params }`; each method parses its params with its own schema. */
export const rpcRequestSchema = z.looseObject({
  method: z.string('method is required (a string)').min(1, 'method is required (a string)'),
  params: z.unknown().optional(),
});

/** One RPC method's params as the method parses them, and as the OpenAPI document publishes them. */
export interface RpcParamsSchema {
  readonly method: string;
  readonly params: z.ZodType;
}

/**
 * The params as `schema` reads them, or a 422 naming the first problem and the param at fault: unknown params first
 * (as a method reads its params), then the others in the schema's order. `special` answers an issue its own way.
 */
export function parseRpcParams<S extends z.ZodType>(schema: S, params: unknown, special?: (issue: z.core.$ZodIssue) => RpcError | undefined): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys' && i.path.length === 0) ?? issues[0];
  if (!issue) throw new RpcError(422, 'params are not valid', { param: 'params' });
  const mapped = special?.(issue);
  if (mapped) throw mapped;
  const at = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    throw new RpcError(422, `unknown ${at ? `${at} ` : ''}param(s): ${issue.keys.join(', ')}`, { param: at ? `${at}.${issue.keys[0]}` : issue.keys[0] });
  }
  throw new RpcError(422, issue.message, { param: at || 'params' });
}
