import { dateRange } from './date-range.ts';
import { decimalRange } from './decimal-range.ts';
import { indexedText, indexedTokenPart } from './index-budget.ts';
import type { DateRow, NumberRow, QuantityRow, ReferenceRow, StringRow, TokenRow, UriRow } from './index-rows.ts';
import { normalizeString } from './normalize.ts';
import { parseReference } from './reference-value.ts';
import { canonicalQuantity, UCUM } from './ucum-canonical.ts';

/**
 * Turns one FHIRPath result (an element value and its FHIR type) into index rows, by the
 * search parameter type (FHIR R4 search.html: which data types each parameter type matches).
 */
export interface TypedValue {
  type: string | undefined;
  data: unknown;
  /** A `code`'s implicit system (its binding's code system), when it has one. */
  system?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const PRIMITIVE = new Set(['string', 'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'markdown', 'integer', 'decimal', 'positiveInt', 'unsignedInt']);

export function tokenRows(param: string, { type, data, system }: TypedValue): TokenRow[] {
  const row = (system: unknown, code: unknown, display: unknown): TokenRow => ({
    param,
    system: str(system) === undefined ? null : indexedTokenPart(String(system)),
    code: code === undefined || code === null || code === '' ? null : indexedTokenPart(String(code)),
    // Only `:text` reads the display: kept in the form it compares, accents and case folded as string search does.
    display: str(display) === undefined ? null : normalizeString(String(display)),
  });
  const coding = (c: unknown): TokenRow[] => (isObj(c) && (c.code !== undefined || c.system !== undefined) ? [row(c.system, c.code, c.display)] : []);
  if (typeof data === 'boolean' || typeof data === 'number') return [row(undefined, String(data), undefined)];
  if (typeof data === 'string') return data === '' ? [] : [row(system, data, undefined)];
  if (!isObj(data)) return [];
  switch (type ?? guessType(data)) {
    case 'Coding':
      return coding(data);
    case 'CodeableConcept': {
      const rows = (Array.isArray(data.coding) ? data.coding : []).flatMap(coding);
      if (str(data.text)) rows.push(row(undefined, undefined, data.text));
      return rows;
    }
    case 'Identifier': {
      if (data.value === undefined && data.system === undefined) return [];
      const rows = [row(data.system, data.value, isObj(data.type) ? data.type.text : undefined)];
      // :of-type (FHIR R4 search.html#modifiers): type system|code|value, kept under a derived name.
      const typeCodings = isObj(data.type) && Array.isArray(data.type.coding) ? data.type.coding : [];
      for (const c of typeCodings) {
        if (isObj(c) && str(c.code) && str(data.value)) rows.push({ ...row(c.system, `${String(c.code)}|${String(data.value)}`, undefined), param: `${param}:of-type` });
      }
      return rows;
    }
    case 'ContactPoint':
      return data.value === undefined ? [] : [row(data.system, data.value, undefined)];
    default:
      return [];
  }
}

export function stringRows(param: string, { type, data }: TypedValue): StringRow[] {
  const texts: string[] = [];
  if (typeof data === 'string') texts.push(data);
  else if (isObj(data)) {
    switch (type ?? guessType(data)) {
      case 'HumanName':
        texts.push(...[data.family, data.text].flatMap((v) => str(v) ?? []), ...strs(data.given), ...strs(data.prefix), ...strs(data.suffix));
        break;
      case 'Address':
        texts.push(
          ...strs(data.line),
          ...[data.city, data.district, data.state, data.postalCode, data.country, data.text].flatMap((v) => str(v) ?? []),
        );
        break;
      case 'CodeableConcept':
        if (str(data.text)) texts.push(String(data.text));
        break;
      default:
        break;
    }
  }
  return texts.filter((t) => t.trim() !== '').map((raw) => ({ param, value: indexedText(normalizeString(raw)), raw }));
}

export function referenceRows(param: string, { data }: TypedValue, targetType: string | undefined): { references: ReferenceRow[]; identifiers: TokenRow[] } {
  const references: ReferenceRow[] = [];
  const identifiers: TokenRow[] = [];
  const add = (reference: string) => {
    const parsed = parseReference(reference);
    if (!parsed || (targetType && parsed.type !== targetType)) return;
    // target_url is in no index: kept whole, so that a search by URL compares the whole of it.
    references.push({ param, targetType: parsed.type, targetId: parsed.id, targetUrl: parsed.url });
  };
  if (typeof data === 'string') add(data);
  else if (isObj(data)) {
    if (typeof data.reference === 'string') add(data.reference);
    if (isObj(data.identifier) && (!targetType || data.type === targetType)) {
      identifiers.push(...tokenRows(`${param}:identifier`, { type: 'Identifier', data: data.identifier }).filter((r) => r.param === `${param}:identifier`));
    }
  }
  return { references, identifiers };
}

export function dateRows(param: string, { type, data }: TypedValue): DateRow[] {
  if (typeof data === 'string') {
    const range = dateRange(data);
    return range ? [{ param, ...range }] : [];
  }
  if (!isObj(data)) return [];
  switch (type ?? guessType(data)) {
    case 'Period': {
      const start = str(data.start) ? dateRange(String(data.start)) : undefined;
      const end = str(data.end) ? dateRange(String(data.end)) : undefined;
      return start || end ? [{ param, low: start?.low ?? null, high: end?.high ?? null }] : [];
    }
    case 'Timing':
      // Only the events' outer limits count (FHIR R4 search.html#date).
      return strs(data.event).flatMap((e) => dateRows(param, { type: 'dateTime', data: e }));
    default:
      return [];
  }
}

export function numberRows(param: string, { data }: TypedValue): NumberRow[] {
  if (typeof data !== 'number' && typeof data !== 'string') return [];
  const range = decimalRange(String(data));
  return range ? [{ param, ...range }] : [];
}

export function quantityRows(param: string, { type, data }: TypedValue): QuantityRow[] {
  if (!isObj(data) || (typeof data.value !== 'number' && typeof data.value !== 'string')) return [];
  const range = decimalRange(String(data.value));
  if (!range) return [];
  if (type === 'Money') return [{ param, ...range, system: 'urn:iso:std:iso:4217', code: str(data.currency) ?? null, unit: null }];
  const rows: QuantityRow[] = [{ param, ...range, system: str(data.system) ?? null, code: str(data.code) ?? null, unit: str(data.unit) ?? null }];
  // A UCUM quantity is kept in canonical units too, under a derived name (a search without units must not see it).
  const canonical = data.system === UCUM && str(data.code) ? canonicalQuantity(String(data.code), range) : undefined;
  if (canonical) rows.push({ param: canonicalParam(param), ...canonical, system: UCUM, unit: null });
  return rows;
}

/** The name UCUM quantities are indexed under in canonical units (ucum-canonical.ts). */
export const canonicalParam = (param: string) => `${param}:canonical`;

export function uriRows(param: string, { data }: TypedValue): UriRow[] {
  return typeof data === 'string' && data !== '' ? [{ param, value: indexedText(data) }] : [];
}

/** The FHIR type of a value FHIRPath computed without one (function results). */
function guessType(data: Obj): string | undefined {
  if ('coding' in data || ('text' in data && Object.keys(data).length === 1)) return 'CodeableConcept';
  if ('reference' in data) return 'Reference';
  if ('start' in data || 'end' in data) return 'Period';
  if ('family' in data || 'given' in data) return 'HumanName';
  if ('code' in data || 'system' in data) return 'Coding';
  return undefined;
}

export const isPrimitiveType = (type: string | undefined) => type !== undefined && PRIMITIVE.has(type);
