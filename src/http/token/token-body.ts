import { badRequest } from '../../auth/tokens/token-error.ts';
import { BodyError, parseJsonBody } from '../json-body.ts';

/**
 * A token-side request body as flat string fields. RFC 6749 §3.2 specifies form encoding; JSON
 * objects of strings are accepted too (seed 002 sends them). Repeated parameters are refused (§3.1).
 */
export function parseFormBody(text: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in fields) throw badRequest(`the parameter ${name} is repeated (RFC 6749 §3.1)`);
    fields[name] = value;
  }
  return fields;
}

export function parseJsonFields(text: string, maxDepth: number): Record<string, string> {
  let body: unknown;
  try {
    body = parseJsonBody(text, maxDepth);
  } catch (err) {
    throw badRequest(err instanceof BodyError ? err.message : 'The body is not valid JSON');
  }
  if (body === undefined) return Object.create(null) as Record<string, string>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('a JSON body must be an object of parameters');
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') fields[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
    else throw badRequest(`the parameter ${name} must be a string`);
  }
  return fields;
}
