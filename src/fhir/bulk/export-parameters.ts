import { FhirError, issue } from '../outcome.ts';
import type { FhirSettings } from '../interaction.ts';
import { parseSearchRequest } from '../search/parse-search.ts';
import type { SearchParameterRegistry } from '../search/registry.ts';
import { MAX_STRING_BYTES } from '../validation/primitive-formats.ts';
import type { ExportLevel, ExportRequest } from './export-job.ts';
import { ID_SOURCE } from '../resource.ts';

/** Bulk Data Access 2.0.0 §"Query Parameters": `_outputFormat` values that all mean NDJSON. */
export const NDJSON_FORMATS: ReadonlySet<string> = new Set(['application/fhir+ndjson', 'application/ndjson', 'ndjson']);

const KNOWN = new Set(['_outputFormat', '_since', '_type', '_typeFilter', '_elements', 'patient', 'includeAssociatedData']);
/** Response-shaping parameters of the FHIR HTTP layer; they change nothing in an export. */
const IGNORED = new Set(['_format', '_pretty']);
/** `includeAssociatedData` values this server can honour (none yet: each is reported as unsupported). */
const SUPPORTED_ASSOCIATED_DATA: ReadonlySet<string> = new Set();
/** FHIR instant (R4 datatypes.html#instant). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ELEMENT = /^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*(\[x\])?$/;
const PATIENT_REFERENCE = new RegExp(`^Patient/(${ID_SOURCE})$`);

export interface ExportParameterContext {
  level: ExportLevel;
  groupId?: string;
  /** The kick-off URL, absolute. */
  url: string;
  method: 'GET' | 'POST';
  /** Query parameters in order (GET, and any a POST carries in its URL). */
  query: [string, string][];
  /** POST body: a Parameters resource. */
  body?: unknown;
  /** `Prefer: handling=lenient`: unknown parameters are ignored instead of refused. */
  lenient: boolean;
  resourceTypes: ReadonlySet<string>;
  searchRegistry: SearchParameterRegistry;
  settings: FhirSettings;
}

const invalid = (diagnostics: string, expression?: string) => new FhirError(400, issue('invalid', diagnostics, expression));

/**
 * Checks the kick-off parameters (Bulk Data Access 2.0.0 §"Query Parameters") and turns them into the
 * job's ExportRequest; any bad value is a 400 OperationOutcome naming it.
 */
export function parseExportParameters(ctx: ExportParameterContext): ExportRequest {
  const pairs = [...ctx.query, ...(ctx.method === 'POST' ? parametersOf(ctx.body) : [])];
  checkSize(pairs);
  const values = (name: string) => pairs.filter(([k]) => k === name).map(([, v]) => v);
  for (const [name] of pairs) {
    if (KNOWN.has(name) || IGNORED.has(name)) continue;
    if (!ctx.lenient) throw invalid(`Unknown parameter '${name}' for $export (send Prefer: handling=lenient to have it ignored)`, name);
  }
  const single = (name: string): string | undefined => {
    const found = values(name);
    if (found.length > 1) throw invalid(`${name} may be given once`, name);
    return found[0];
  };

  const format = single('_outputFormat');
  if (format !== undefined && !NDJSON_FORMATS.has(format)) {
    throw invalid(`_outputFormat '${format}' is not supported; use application/fhir+ndjson`, '_outputFormat');
  }

  const request: ExportRequest = { level: ctx.level, url: ctx.url, ...(ctx.groupId !== undefined ? { groupId: ctx.groupId } : {}) };

  const since = single('_since');
  if (since !== undefined) {
    // A `+` offset sent unencoded in a query string arrives as a space.
    const text = since.replace(' ', '+');
    if (!INSTANT.test(text) || Number.isNaN(Date.parse(text))) {
      throw invalid(`_since '${since}' is not a FHIR instant such as 2026-03-02T10:00:00Z`, '_since');
    }
    request.since = new Date(text).toISOString();
  }

  const types = listOf(values('_type'));
  if (types.length > 0) {
    for (const t of types) if (!ctx.resourceTypes.has(t)) throw invalid(`Unknown resource type '${t}' in _type`, '_type');
    request.types = [...new Set(types)];
  }

  const filters = typeFilters(values('_typeFilter'), ctx);
  if (filters) request.typeFilters = filters;

  const elements = listOf(values('_elements'));
  if (elements.length > 0) {
    for (const e of elements) {
      const type = e.includes('.') ? e.slice(0, e.indexOf('.')) : undefined;
      if (!ELEMENT.test(e) || (type !== undefined && !ctx.resourceTypes.has(type))) {
        throw invalid(`_elements entry '${e}' is not an element name or [type].[element]`, '_elements');
      }
    }
    request.elements = [...new Set(elements)];
  }

  const patients = values('patient');
  if (patients.length > 0) {
    if (ctx.level === 'system') throw invalid('patient applies to Patient and Group exports, not a system export', 'patient');
    request.patients = [
      ...new Set(
        patients.map((reference) => {
          const id = PATIENT_REFERENCE.exec(reference)?.[1];
          if (id === undefined) throw invalid(`patient '${reference}' is not a Patient reference such as Patient/123`, 'patient');
          return id;
        }),
      ),
    ];
  }

  const associated = listOf(values('includeAssociatedData'));
  const unsupported = associated.filter((v) => !SUPPORTED_ASSOCIATED_DATA.has(v));
  if (unsupported.length > 0) request.unsupportedAssociatedData = [...new Set(unsupported)];
  return request;
}

/**
 * The parameters are stored with the job, and a POST body may be as large as MAX_BODY_BYTES: together,
 * names and values, they hold at most what one FHIR string may (1 MB of UTF-8, R4 string maxLength).
 * Checked before any of them is parsed, let alone stored.
 */
function checkSize(pairs: [string, string][]): void {
  let bytes = 0;
  for (const [name, value] of pairs) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_STRING_BYTES) {
      throw new FhirError(
        400,
        issue('too-long', `The $export parameters may hold at most ${MAX_STRING_BYTES.toLocaleString('en')} bytes of UTF-8 (1 MB) together; ${name} goes past that`, name),
      );
    }
  }
}

function listOf(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * `_typeFilter=[type]?[search query]` (comma-separated or repeated; commas inside a query are
 * percent-encoded): each query must be a search this server runs (strict), else 400.
 */
function typeFilters(raw: string[], ctx: ExportParameterContext): Record<string, [string, string][][]> | undefined {
  const filters: Record<string, [string, string][][]> = {};
  let any = false;
  for (const entry of listOf(raw)) {
    const q = entry.indexOf('?');
    const type = q < 0 ? entry : entry.slice(0, q);
    if (q < 0 || !ctx.resourceTypes.has(type)) {
      throw invalid(`_typeFilter '${entry}' is not [resource type]?[search query]`, '_typeFilter');
    }
    const query = [...new URLSearchParams(entry.slice(q + 1))];
    if (query.length === 0) throw invalid(`_typeFilter '${entry}' has no search parameters`, '_typeFilter');
    for (const [name] of query) {
      if (name.startsWith('_') && name !== '_id' && name !== '_lastUpdated' && name !== '_tag' && name !== '_profile' && name !== '_security') {
        throw invalid(`_typeFilter '${entry}': ${name} does not filter resources`, '_typeFilter');
      }
    }
    try {
      parseSearchRequest(type, query, { registry: ctx.searchRegistry, settings: ctx.settings, strict: true });
    } catch (err) {
      const why = err instanceof FhirError ? err.message : 'it does not parse';
      throw invalid(`_typeFilter '${entry}' is not a search this server supports: ${why}`, '_typeFilter');
    }
    (filters[type] ??= []).push(query);
    any = true;
  }
  return any ? filters : undefined;
}

interface ParametersParameter {
  name?: unknown;
  [value: string]: unknown;
}

/** A POST kick-off's Parameters resource as name/value pairs (Bulk Data Access 2.0.0 §"POST"). */
function parametersOf(body: unknown): [string, string][] {
  if (body === undefined || body === null || body === '') return [];
  const resource = body as { resourceType?: unknown; parameter?: unknown };
  if (typeof body !== 'object' || resource.resourceType !== 'Parameters') {
    throw invalid('A POST $export takes a Parameters resource as its body');
  }
  if (resource.parameter === undefined) return [];
  if (!Array.isArray(resource.parameter)) throw invalid('Parameters.parameter must be an array', 'Parameters.parameter');
  return resource.parameter.map((p: ParametersParameter, i): [string, string] => {
    if (typeof p?.name !== 'string') throw invalid(`Parameters.parameter[${i}] has no name`, `Parameters.parameter[${i}].name`);
    const value = parameterValue(p);
    if (value === undefined) throw invalid(`Parameters.parameter[${i}] (${p.name}) has no value this operation understands`, `Parameters.parameter[${i}]`);
    return [p.name, value];
  });
}

function parameterValue(p: ParametersParameter): string | undefined {
  for (const key of ['valueString', 'valueInstant', 'valueDateTime', 'valueCode', 'valueUri', 'valueCanonical']) {
    const v = p[key];
    if (typeof v === 'string') return v;
  }
  const ref = p.valueReference as { reference?: unknown } | undefined;
  return typeof ref?.reference === 'string' ? ref.reference : undefined;
}
