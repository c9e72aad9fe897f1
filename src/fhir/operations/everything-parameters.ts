import type { FhirRequest, FhirSettings } from '../interaction.ts';
import { badRequest, notSupported } from '../outcome.ts';

/** What `Patient/$everything` was asked for (FHIR R4 patient-operation-everything.html). */
export interface EverythingParameters {
  /** `_since`: only resources updated at or after this instant (UTC, normalised). */
  since?: string;
  /** `_type`: only these resource types; absent = every type the operation covers. */
  types?: string[];
  /** `_count`: the page size. */
  count: number;
  /** `_page_token`: where a page a previous answer linked to starts. */
  pageToken?: string;
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TYPE_NAME = /^[A-Z][A-Za-z]{1,63}$/;
/** Parameters that shape the HTTP answer or the sandbox, not what the operation returns. */
const IGNORED = new Set(['_format', '_pretty', '_explain']);

/**
 * The operation's parameters, from the query of a GET or the `Parameters` body of a POST (FHIR R4
 * operations.html#request). `start` and `end` (the care date range) are refused: what they mean for each
 * resource type is the server's to define, and a range this server silently ignored would return data the
 * client did not ask for.
 */
export function parseEverythingParameters(request: FhirRequest, settings: Pick<FhirSettings, 'defaultPageSize' | 'maxPageSize'>): EverythingParameters {
  const out: EverythingParameters = { count: settings.defaultPageSize };
  for (const [name, value] of [...request.query, ...bodyParameters(request)]) {
    switch (name) {
      case '_since': {
        const time = INSTANT.test(value) ? Date.parse(value) : NaN;
        if (Number.isNaN(time)) throw badRequest(`_since must be a FHIR instant (with seconds and a time zone), not '${value}'`, '_since');
        out.since = new Date(time).toISOString();
        break;
      }
      case '_type': {
        const types = value.split(',').map((t) => t.trim());
        const bad = types.find((t) => !TYPE_NAME.test(t));
        if (bad !== undefined) throw badRequest(`_type lists resource types, and '${bad}' is not one`, '_type');
        out.types = [...new Set([...(out.types ?? []), ...types])];
        break;
      }
      case '_count':
        if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw badRequest(`_count must be a whole number above 0, not '${value}'`, '_count');
        out.count = Math.min(Number(value), settings.maxPageSize);
        break;
      case '_page_token':
        out.pageToken = value;
        break;
      case 'start':
      case 'end':
        throw notSupported(`$everything does not support '${name}' (a care date range); filter by _since and _type instead`);
      default:
        if (!IGNORED.has(name)) throw badRequest(`$everything has no parameter '${name}'`, name);
    }
  }
  return out;
}

/** A POST's `Parameters` as name/value pairs (only the primitive values this operation takes). */
function bodyParameters(request: FhirRequest): [string, string][] {
  const body = request.body;
  if (request.method !== 'POST' || body === undefined) return [];
  const parameters = body as { resourceType?: unknown; parameter?: unknown };
  if (!body || typeof body !== 'object' || parameters.resourceType !== 'Parameters') {
    throw badRequest('The body of a POST to $everything must be a Parameters resource');
  }
  if (parameters.parameter === undefined) return [];
  if (!Array.isArray(parameters.parameter)) throw badRequest('Parameters.parameter must be an array', 'Parameters.parameter');
  return parameters.parameter.map((p: unknown, i): [string, string] => {
    const entry = (p ?? {}) as Record<string, unknown>;
    const where = `Parameters.parameter[${i}]`;
    if (typeof entry.name !== 'string') throw badRequest(`${where} has no name`, `${where}.name`);
    const value = Object.entries(entry).find(([k]) => k.startsWith('value'))?.[1];
    if (typeof value !== 'string' && typeof value !== 'number') throw badRequest(`${where} (${entry.name}) needs a primitive value`, where);
    return [entry.name, String(value)];
  });
}
