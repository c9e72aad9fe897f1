import { createRequire } from 'node:module';

/**
 * UCUM (http://unitsofmeasure.org) through NLM's @lhncbc/ucum-lhc: whether a unit code is valid UCUM, and a
 * value expressed in the canonical (base) units, for comparing quantities across units (search).
 */
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): { status: 'valid' | 'invalid' | 'error'; msg?: string[] };
  convertToBaseUnits(unit: string, value: number): {
    status: 'succeeded' | 'invalid' | 'failed' | 'error';
    magnitude?: number;
    unitToExp?: Record<string, number>;
  };
}

let utils: UcumUtils | undefined;
/** The library loads its unit tables on first use (~100 ms): only a server that meets a unit pays for it. */
function ucum(): UcumUtils {
  if (!utils) {
    const require = createRequire(import.meta.url);
    const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = pkg.UcumLhcUtils.getInstance();
  }
  return utils;
}

/** Units seen are few; their verdicts are kept so that a write's units cost one Map lookup. */
const MAX_REMEMBERED = 10_000;
const verdicts = new Map<string, string | null>();

/** Why a unit code is not valid UCUM, or undefined when it is (UCUM §"Syntax Rules"; case-sensitive `c/s` codes). */
export function ucumUnitError(unit: string): string | undefined {
  let verdict = verdicts.get(unit);
  if (verdict === undefined) {
    // The library answers `error` (not `invalid`) for some malformed strings; neither is a unit.
    const result = ucum().validateUnitString(unit, false);
    verdict = result.status === 'valid' ? null : (result.msg ?? []).join('; ') || `'${unit}' is not a UCUM unit`;
    if (verdicts.size >= MAX_REMEMBERED) verdicts.clear();
    verdicts.set(unit, verdict);
  }
  return verdict ?? undefined;
}

export const isUcumUnit = (unit: string): boolean => ucumUnitError(unit) === undefined;

/** A quantity in UCUM base units: the value, and the canonical unit as the base units with their exponents (`g`, `m.s-2`). */
export interface CanonicalQuantity {
  readonly value: number;
  readonly unit: string;
}

/**
 * The value converted to UCUM base units, or undefined when the unit is not valid UCUM or cannot be converted
 * (arbitrary units such as `[IU]`). Special units (Cel, [degF]) are converted by their function, so the result
 * only holds for this value, which is all a comparison needs.
 */
export function toCanonical(value: number, unit: string): CanonicalQuantity | undefined {
  if (!Number.isFinite(value) || !isUcumUnit(unit)) return undefined;
  const result = ucum().convertToBaseUnits(unit, value);
  if (result.status !== 'succeeded' || result.magnitude === undefined) return undefined;
  const parts = Object.entries(result.unitToExp ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([base, exp]) => (exp === 1 ? base : `${base}${exp}`));
  return { value: result.magnitude, unit: parts.length ? parts.join('.') : '1' };
}
