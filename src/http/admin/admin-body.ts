import { parseDocument } from 'yaml';
import { describeForbidden, findForbiddenValue } from '../forbidden-characters.ts';
import { BodyError, parseJsonBody } from '../json-body.ts';
import { yamlNestedDeeperThan } from './yaml-nesting.ts';
import { yamlDataProblem } from './yaml-plain-data.ts';

/** Registry bodies are small; a cap well below MAX_BODY_BYTES keeps YAML parsing cheap. */
export const ADMIN_BODY_LIMIT = 1024 * 1024;

const YAML_TYPES = new Set(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml']);
const JSON_TYPES = new Set(['application/json', 'application/fhir+json', 'text/json']);

export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function isYaml(header: string | undefined): boolean {
  return YAML_TYPES.has(mediaType(header));
}

/**
 * A registry body by its Content-Type: YAML (core schema: plain data, no custom tags, aliases capped)
 * or JSON. JSON may carry `//` line comments, as the seeds' examples do (`// always shall be jwt`).
 * Without a Content-Type (seed 000's bulk Client is sent so) or as text/plain: JSON when it looks
 * like JSON, YAML otherwise.
 * Throws BodyError (400 malformed, 415 other media types).
 */
export function parseAdminBody(text: string, contentType: string | undefined, maxDepth: number): unknown {
  let type = mediaType(contentType);
  if (type === '' || type === 'text/plain') type = /^\s*[{[]/.test(text) ? 'application/json' : 'text/yaml';
  if (YAML_TYPES.has(type)) {
    if (text.trim() === '') return undefined;
    // Measured before parsing, as JSON is: the parser recurses per level, and a deep enough body overflows it.
    if (yamlNestedDeeperThan(text, maxDepth)) throw new BodyError(400, `The YAML body is nested deeper than ${maxDepth} levels`);
    const value = parseYaml(text);
    // Double-quoted YAML escapes (`"\0"`, `"\ud800"`) reach the same characters a JSON body's escapes can.
    const forbidden = findForbiddenValue(value, 'text', 'the YAML body', maxDepth);
    if (forbidden) throw new BodyError(400, describeForbidden(forbidden));
    return value;
  }
  if (JSON_TYPES.has(type)) return parseJsonBody(stripLineComments(text), maxDepth);
  throw new BodyError(415, `Content-Type ${type} is not supported; send application/json or text/yaml`);
}

function parseYaml(text: string): unknown {
  let problem: string | undefined;
  try {
    // Keys are checked for uniqueness in one pass afterwards (yamlDataProblem), not by the parser's pairwise check.
    const doc = parseDocument(text, { schema: 'core', uniqueKeys: false, customTags: [], logLevel: 'silent' });
    // Warnings include unresolved tags (`!!js/function`): data only, so those are refused too, as are aliases.
    problem = [...doc.errors, ...doc.warnings][0]?.message ?? yamlDataProblem(doc);
    if (!problem) return doc.toJS({ maxAliasCount: 0 }) as unknown;
  } catch (err) {
    problem = (err as Error).message;
  }
  throw new BodyError(400, `The body is not valid YAML: ${problem.split('\n')[0]}`);
}

/** Removes `//` comments that start outside a string; strings (URLs included) are left alone. */
function stripLineComments(text: string): string {
  if (!text.includes('//')) return text;
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
}
