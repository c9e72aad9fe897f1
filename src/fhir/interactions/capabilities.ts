import { createHash } from 'node:crypto';
import { withRouterTables, type RouterTables } from '../capability-rest.ts';
import type { FhirRequest, FhirUnitDeps, Interaction } from '../interaction.ts';
import { badRequest } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import { parseElements, parseSummary } from '../search/parse-result-parameters.ts';
import { subsetResource } from '../search/subset.ts';

/** One representation of the statement, serialized once: what a request for it is answered with. */
interface Representation {
  body: Resource;
  /** UTF-8 JSON: the bytes sent, so that neither serializing nor encoding is done per request. */
  json: Uint8Array;
  etag: string;
}

/** The representations of one app's statement: the whole, and the subsets asked for so far (a few at most). */
interface Served {
  whole: Representation;
  subsets: Map<string, Representation>;
}

/** Distinct `_summary`/`_elements` subsets kept: every combination a client could ask for would be unbounded. */
const MAX_SUBSETS = 32;

/**
 * GET [base]/metadata (FHIR R4 http.html#capabilities): the CapabilityStatement built at composition time
 * (src/fhir/capability-statement.ts), with the interactions and operations of the router's `tables`. It is
 * serialized once per app (about 700 KB: stringifying it per request would cost more than anything else the
 * request does), with a strong ETag of its bytes (If-None-Match: 304). `_summary` (true, text, data) and
 * `_elements` answer a subset (FHIR R4 search.html#summary, #elements), tagged SUBSETTED.
 */
export function capabilitiesInteraction(tables: RouterTables): Interaction {
  const served = new WeakMap<Resource, Served>();
  return async (request, _route, deps) => {
    let statement = served.get(deps.capabilityStatement);
    if (!statement) {
      statement = { whole: representation(withRouterTables(deps.capabilityStatement, tables)), subsets: new Map() };
      served.set(deps.capabilityStatement, statement);
    }
    const chosen = subsetOf(request, statement, deps);
    const headers = { ETag: chosen.etag };
    if (matches(request.headers.ifNoneMatch, chosen.etag)) return { status: 304, headers };
    return { status: 200, headers, body: chosen.body, bodyJson: chosen.json };
  };
}

function representation(body: Resource): Representation {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  return { body, json, etag: `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"` };
}

/** The representation the query asks for: the whole statement, or a subset of it. */
function subsetOf(request: FhirRequest, served: Served, deps: FhirUnitDeps): Representation {
  let summary: string | undefined;
  let elements: string[] | undefined;
  for (const [name, value] of request.query) {
    if (name === '_summary') summary = parseSummary(value);
    if (name === '_elements') elements = [...(elements ?? []), ...parseElements(value)];
  }
  // FHIR R4 search.html#summary: `count` asks how many resources a search matches; /metadata is no search.
  if (summary === 'count') throw badRequest('_summary=count applies to searches; /metadata answers one CapabilityStatement', '_summary');
  if (summary === 'false') summary = undefined;
  if (summary === undefined && (elements === undefined || elements.length === 0)) return served.whole;
  const key = JSON.stringify([summary ?? null, [...new Set(elements ?? [])].sort()]);
  const known = served.subsets.get(key);
  if (known) return known;
  const whole = served.whole.body;
  let body: Resource;
  if (elements !== undefined && elements.length > 0) body = subsetResource(whole, { elements }, deps.searchRegistry);
  else body = subsetResource(whole, { summary: summary === 'true' ? 'true' : summary === 'text' ? 'text' : 'data' }, deps.searchRegistry);
  const made = representation(body);
  if (served.subsets.size < MAX_SUBSETS) served.subsets.set(key, made);
  return made;
}

/** If-None-Match (RFC 9110 §13.1.2): `*`, or one of the listed tags (weak comparison). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}
