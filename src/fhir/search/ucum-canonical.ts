import { createRequire } from 'node:module';

/**
 * Quantities in UCUM canonical form, so that a search in one unit finds values recorded in another
 * (FHIR R4 search.html#quantity: `gt1|http://unitsofmeasure.org|kg` finds 1500 g). The canonical form is
 * the base units' magnitude and a unit code built from their exponents (`g`, `g.m-3`, `1` for
 * dimensionless); the indexer and the search parser both come through here, so they always agree.
 * Uses the NLM's UCUM library (@lhncbc/ucum-lhc), which has no type declarations: the part used is typed here.
 */
export const UCUM = 'http://unitsofmeasure.org';

interface UcumUtils {
  convertToBaseUnits(unit: string, value: number): { status: string; magnitude?: number; unitToExp?: Record<string, number>; fromUnitIsSpecial?: boolean };
}

let utils: UcumUtils | undefined;
function ucum(): UcumUtils {
  if (!utils) {
    const module = createRequire(import.meta.url)('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = module.UcumLhcUtils.getInstance();
  }
  return utils;
}

/** A unit's conversion: a factor, or (Celsius, Fahrenheit…) a function; null when the code is not UCUM. */
type Conversion = { unit: string; convert: (value: number) => number } | null;

/** Parsing a unit string is the costly part; the set of units in use is small. Bounded all the same. */
const cache = new Map<string, Conversion>();
const CACHE_LIMIT = 2_000;

function conversion(code: string): Conversion {
  const known = cache.get(code);
  if (known !== undefined) return known;
  let found: Conversion = null;
  try {
    const base = ucum().convertToBaseUnits(code, 1);
    if (base.status === 'succeeded' && typeof base.magnitude === 'number' && base.unitToExp) {
      const unit = Object.entries(base.unitToExp).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([u, exp]) => (exp === 1 ? u : `${u}${exp}`)).join('.') || '1';
      const factor = base.magnitude;
      found = base.fromUnitIsSpecial
        ? { unit, convert: (value) => ucum().convertToBaseUnits(code, value).magnitude ?? Number.NaN }
        : { unit, convert: (value) => value * factor };
    }
  } catch {
    found = null; // The library throws on some malformed strings: not a UCUM unit, then.
  }
  if (cache.size < CACHE_LIMIT) cache.set(code, found);
  return found;
}

export interface CanonicalQuantity {
  /** The canonical unit code (compared with `=`). */
  code: string;
  value: string;
  low: string;
  high: string;
}

/** A decimal value and its precision range (decimal-range.ts) in canonical units; undefined when not convertible. */
export function canonicalQuantity(code: string, range: { value: string; low: string; high: string }): CanonicalQuantity | undefined {
  const found = conversion(code);
  if (!found) return undefined;
  const [value, low, high] = [range.value, range.low, range.high].map((v) => decimalText(found.convert(Number(v))));
  if (value === undefined || low === undefined || high === undefined) return undefined;
  return { code: found.unit, value, low, high };
}

/** A float as decimal text PostgreSQL's numeric reads, rounded to 15 significant digits (the float's own noise dropped). */
function decimalText(value: number): string | undefined {
  return Number.isFinite(value) ? String(Number(value.toPrecision(15))) : undefined;
}
