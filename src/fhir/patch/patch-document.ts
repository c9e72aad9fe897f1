import type { FhirDefinitions } from '../definitions.ts';
import { badRequest, FhirError, issue } from '../outcome.ts';
import { createStructureIndex, type StructureIndex } from '../validation/structure-index.ts';
import { applyFhirPathPatch, parseFhirPathPatch } from './fhirpath-patch.ts';
import { applyJsonPatch, parseJsonPatch } from './json-patch.ts';

/** A patch read from a request: applying it to a resource gives the patched copy, or throws 422. */
export type PatchDocument = (resource: Record<string, unknown>, definitions: FhirDefinitions) => unknown;

const JSON_PATCH = 'application/json-patch+json';
/** FHIR JSON media types: the body is a FHIR resource (a Parameters, or a Binary in a Bundle entry). */
const FHIR_JSON = new Set(['application/fhir+json', 'application/json+fhir']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patch a PATCH request carries (FHIR R4 http.html#patch): JSON Patch as `application/json-patch+json`,
 * FHIRPath Patch as a Parameters in `application/fhir+json`; `application/json` is read by its shape. In a
 * Bundle entry, JSON Patch comes as a Binary with that content type and the patch in `data`, base64
 * (http.html#transaction). Another content type is 415; a malformed document 400.
 */
export function readPatchDocument(body: unknown, contentType: string | undefined): PatchDocument {
  if (contentType !== undefined && contentType !== JSON_PATCH && contentType !== 'application/json' && !FHIR_JSON.has(contentType)) {
    throw new FhirError(415, issue('not-supported', `PATCH takes ${JSON_PATCH} (JSON Patch) or application/fhir+json (FHIRPath Patch), not ${contentType}`));
  }
  if (body === undefined) throw badRequest('PATCH needs a patch document in its body');
  if (contentType === JSON_PATCH || (contentType === 'application/json' && Array.isArray(body))) return jsonPatch(body);
  if (isObject(body) && body.resourceType === 'Binary') return jsonPatch(binaryPatch(body));
  if (isObject(body) && body.resourceType === 'Parameters') {
    const operations = parseFhirPathPatch(body);
    return (resource, definitions) => applyFhirPathPatch(resource, operations, structuresOf(definitions));
  }
  throw badRequest('A FHIR JSON PATCH body must be a Parameters (FHIRPath Patch), or in a Bundle a Binary holding a JSON Patch');
}

function jsonPatch(body: unknown): PatchDocument {
  const operations = parseJsonPatch(body);
  return (resource) => applyJsonPatch(resource, operations);
}

/** The JSON Patch a Binary carries: contentType application/json-patch+json, the document base64 in `data`. */
function binaryPatch(binary: Record<string, unknown>): unknown {
  if (binary.contentType !== JSON_PATCH) throw badRequest(`A Binary PATCH body must have contentType ${JSON_PATCH}`, 'Binary.contentType');
  if (typeof binary.data !== 'string') throw badRequest('A Binary PATCH body needs the JSON Patch in data (base64)', 'Binary.data');
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw badRequest('Binary.data is not a base64 JSON Patch document', 'Binary.data');
  }
  // Decoded here, not by the HTTP body parser: held to the same bound on nesting before anything walks it.
  if (nestedDeeperThan(document, MAX_DEPTH)) throw badRequest(`The JSON Patch in Binary.data is nested deeper than ${MAX_DEPTH} levels`, 'Binary.data');
  return document;
}

/** As deep as the validator walks a resource (src/fhir/validation): far beyond any real patch. */
const MAX_DEPTH = 300;

/** Whether a parsed JSON value nests objects and arrays deeper than `max`, measured without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** One element index per set of definitions (built lazily per type), shared by every FHIRPath Patch. */
const indexes = new WeakMap<FhirDefinitions, StructureIndex>();
function structuresOf(definitions: FhirDefinitions): StructureIndex {
  let index = indexes.get(definitions);
  if (!index) indexes.set(definitions, (index = createStructureIndex(definitions)));
  return index;
}
