import { invalidRequest } from '../../auth/oauth-error.ts';
import { describeForbidden, findInFields, findInUrlEncoded } from '../forbidden-characters.ts';
import { BodyError, parseJsonBody } from '../json-body.ts';

/**
 * A token-side request body as flat string fields. RFC 6749 §3.2 specifies form encoding; JSON
 * objects of strings are accepted too (seed 002 sends them). Repeated parameters are refused (§3.1), and so
 * is a control character in any of them: every parameter of these endpoints is VSCHAR, NQCHAR or a URI
 * (RFC 6749 Appendix A, RFC 7662 §2.1, RFC 7009 §2.1, RFC 7523 §2.2).
 */
export function parseFormBody(text: string): Record<string, string> {
  const forbidden = findInUrlEncoded(text, 'controls', 'parameter');
  if (forbidden) throw invalidRequest(describeForbidden(forbidden));
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in fields) throw invalidRequest(`the parameter ${name} is repeated (RFC 6749 §3.1)`);
    fields[name] = value;
  }
  return fields;
}

export function parseJsonFields(text: string, maxDepth: number): Record<string, string> {
  let body: unknown;
  try {
    body = parseJsonBody(text, maxDepth);
  } catch (err) {
    throw invalidRequest(err instanceof BodyError ? err.message : 'The body is not valid JSON');
  }
  if (body === undefined) return Object.create(null) as Record<string, string>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidRequest('a JSON body must be an object of parameters');
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string') fields[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
    else throw invalidRequest(`the parameter ${name} must be a string`);
  }
  const forbidden = findInFields(fields, 'controls');
  if (forbidden) throw invalidRequest(describeForbidden(forbidden));
  return fields;
}
