import { describeForbidden, findForbiddenValue, forbiddenCharacter } from './forbidden-characters.ts';

/**
 * JSON bodies, checked before JSON.parse in one linear pass: nesting deeper than the limit, duplicate keys
 * (JSON.parse would silently keep the last: `"resourceType"` twice must not smuggle a second type) and the
 * prototype-poisoning keys `__proto__`/`constructor` (never FHIR element names) are refused; after it, a NUL
 * or a lone surrogate in any string or key (forbidden-characters.ts).
 */
export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }

  /** Fastify's name for the status: a renderer without a BodyError branch still answers it as the 4xx it is. */
  get statusCode(): number {
    return this.status;
  }
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

interface Frame {
  keys: Set<string> | undefined; // undefined for arrays
  expectKey: boolean;
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.trim() === '') return undefined;
  checkStructure(text, maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError(400, `The body is not valid JSON: ${(err as Error).message}`);
  }
  // Parsed strings hold a NUL or a lone surrogate only if the text has an escape or the character itself.
  if (text.includes('\\u') || forbiddenCharacter(text, 'text')) {
    const found = findForbiddenValue(value, 'text', 'the JSON body', maxDepth);
    if (found) throw new BodyError(400, describeForbidden(found));
  }
  return value;
}

function checkStructure(text: string, maxDepth: number): void {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      const frame = stack[stack.length - 1];
      if (frame?.keys && frame.expectKey) {
        const raw = text.slice(start, i);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            return; // malformed string: JSON.parse reports it
          }
        }
        if (FORBIDDEN_KEYS.has(key)) throw new BodyError(400, `The JSON body uses the forbidden key "${key}"`);
        if (frame.keys.has(key)) throw new BodyError(400, `The JSON body repeats the key "${key}" in one object`);
        frame.keys.add(key);
        frame.expectKey = false;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (stack.length >= maxDepth) throw new BodyError(400, `The JSON body is nested deeper than ${maxDepth} levels`);
      stack.push({ keys: c === 123 ? new Set() : undefined, expectKey: c === 123 });
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
    } else if (c === 44 /* , */) {
      const frame = stack[stack.length - 1];
      if (frame?.keys) frame.expectKey = true;
    }
  }
}
