/**
 * JSON bodies with a nesting limit: deep nesting is refused before JSON.parse so a hostile
 * body cannot exhaust the stack or the validator. Returns the parsed value or throws BodyError.
 */
export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export function parseJsonBody(text: string, maxDepth: number): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) throw new BodyError(400, `The JSON body is nested deeper than ${maxDepth} levels`);
    } else if (c === 125 || c === 93) depth--;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError(400, `The body is not valid JSON: ${(err as Error).message}`);
  }
}
