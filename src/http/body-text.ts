import { isUtf8 } from 'node:buffer';
import { BodyError } from './json-body.ts';

/**
 * A request body's bytes as text. Every body a surface takes is UTF-8 (RFC 8259 §8.1 for JSON, FHIR R4
 * json.html, WHATWG URL §5.1 for forms, YAML 1.2 §5.2): bytes that are not are refused (400), never replaced
 * with U+FFFD, which would store something other than what was sent.
 */
export function bodyText(body: Buffer): string {
  if (!isUtf8(body)) throw new BodyError(400, 'The body is not valid UTF-8');
  return body.toString('utf8');
}
