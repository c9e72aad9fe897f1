import { badRequest } from '../outcome.ts';
import { dateRange } from './date-range.ts';
import { decimalRange } from './decimal-range.ts';
import { indexedTokenPart } from './index-budget.ts';
import type { DateValue, NumberValue, Prefix, QuantityValue, ReferenceValue, TokenValue } from './search-request.ts';
import { ID_PATTERN, ID_SOURCE } from '../resource.ts';

/**
 * Parsers of one search value by parameter type (FHIR R4 search.html#ptypes). Every bad value
 * is a 400 naming the parameter, never an exception the caller has to map.
 */
const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** Splits on `separator` not escaped by `\` (FHIR R4 search.html#escaping), then unescapes. */
export function splitEscaped(value: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      const next = value[i + 1];
      current += next === ',' || next === '|' || next === '$' || next === '\\' ? (separator === next ? next : `\\${next}`) : `\\${next}`;
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** Removes the remaining escapes once all splitting is done. */
export const unescape = (value: string) => value.replace(/\\([,|$\\])/g, '$1');

function splitPrefix(name: string, value: string): [Prefix, string] {
  const head = value.slice(0, 2);
  if (/^[a-z]{2}/.test(head)) {
    if (!PREFIXES.has(head as Prefix)) throw badRequest(`Unknown prefix '${head}' in ${name}=${value}`, name);
    return [head as Prefix, value.slice(2)];
  }
  return ['eq', value];
}

/** A token's code and system are compared as the index holds them (index-budget.ts: over-long ones are cut). */
export function parseToken(name: string, raw: string): TokenValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length === 1) return { code: indexedTokenPart(unescape(parts[0] ?? '')) };
  if (parts.length !== 2) throw badRequest(`A token is code, system|code, |code or system|, not '${raw}'`, name);
  const [system = '', code = ''] = parts.map(unescape);
  if (system === '' && code === '') throw badRequest(`Empty token '${raw}'`, name);
  if (code === '') return { system: indexedTokenPart(system) };
  return { system: system === '' ? null : indexedTokenPart(system), code: indexedTokenPart(code) };
}

/** `:of-type` value `system|code|value`: a token on the identifier's type plus its value. */
export function parseOfType(name: string, raw: string): TokenValue {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 3 || !parts[1] || !parts[2]) throw badRequest(`${name} takes system|code|value, not '${raw}'`, name);
  return { system: parts[0] ? indexedTokenPart(parts[0]) : null, code: indexedTokenPart(`${parts[1]}|${parts[2]}`) };
}

export function parseDate(name: string, raw: string, now: () => Date): DateValue {
  const [prefix, text] = splitPrefix(name, raw);
  const range = dateRange(text);
  if (!range) throw badRequest(`'${text}' is not a FHIR date, dateTime or instant (in ${name})`, name);
  if (prefix !== 'ap') return { prefix, ...range };
  // ap: within 10% of the distance between the value and now (FHIR R4 search.html#prefix), at least a day.
  const low = Date.parse(range.low);
  const high = Date.parse(range.high);
  const margin = Math.max(Math.abs(now().getTime() - low) * 0.1, 86_400_000);
  const instant = (ms: number, fallback: string) => {
    const d = new Date(ms);
    return Number.isFinite(ms) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999 ? d.toISOString() : fallback;
  };
  return { prefix, low: instant(low - margin, range.low), high: instant(high + margin, 'infinity') };
}

export function parseNumber(name: string, raw: string): NumberValue {
  const [prefix, text] = splitPrefix(name, raw);
  const range = decimalRange(text);
  if (!range) throw badRequest(`'${text}' is not a number (in ${name})`, name);
  return { prefix, ...range };
}

export function parseQuantity(name: string, raw: string): QuantityValue {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 1 && parts.length !== 3) throw badRequest(`A quantity is number, or number|system|code, not '${raw}'`, name);
  const value: QuantityValue = parseNumber(name, parts[0] ?? '');
  if (parts[1]) value.system = parts[1];
  if (parts[2]) value.code = parts[2];
  return value;
}

const LOCAL = new RegExp(`^([A-Z][A-Za-z]+)/(${ID_SOURCE})(?:/_history/[^/]+)?$`);

/**
 * `Patient/123`, `123`, or an absolute URL; absolute URLs on our own base are local
 * (FHIR R4 search.html#reference).
 */
export function parseReferenceValue(
  name: string,
  raw: string,
  context: { baseUrl: string; typeModifier?: string; targets: readonly string[]; isResourceType: (t: string) => boolean },
): ReferenceValue {
  const value = unescape(raw);
  const local = value.startsWith(`${context.baseUrl}/`) ? value.slice(context.baseUrl.length + 1) : value;
  const typed = LOCAL.exec(local);
  if (typed) {
    const [, type = '', id = ''] = typed;
    if (!context.isResourceType(type)) throw badRequest(`Unknown resource type '${type}' in ${name}=${raw}`, name);
    if (context.typeModifier && context.typeModifier !== type) {
      throw badRequest(`${name} names ${context.typeModifier} but the value is a ${type}`, name);
    }
    return { kind: 'local', type, id, baseUrl: context.baseUrl };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { kind: 'url', url: value.replace(/\|[^|]*$/, '') };
  if (!ID_PATTERN.test(value)) throw badRequest(`'${raw}' is not a reference (Type/id, id or an absolute URL) in ${name}`, name);
  const type = context.typeModifier ?? (context.targets.length === 1 ? context.targets[0] : undefined);
  return type ? { kind: 'local', type, id: value, baseUrl: context.baseUrl } : { kind: 'local', id: value, baseUrl: context.baseUrl };
}

export function parseMissing(name: string, raw: string): boolean {
  if (raw !== 'true' && raw !== 'false') throw badRequest(`${name} takes true or false, not '${raw}'`, name);
  return raw === 'true';
}
