import { canonicalParam } from '../index-values.ts';
import { parseQuantity } from '../parse-values.ts';
import type { Condition, QuantityValue } from '../search-request.ts';
import { canonicalQuantity, UCUM } from '../ucum-canonical.ts';
import { badModifier, type ParameterParser } from './parameter-use.ts';

/**
 * Quantity parameters (FHIR R4 search.html#quantity): `[prefix][number]|[system]|[code]`; no modifier.
 * A UCUM value is compared in canonical units with the canonical rows the indexer keeps, so that
 * `gt1|http://unitsofmeasure.org|kg` finds 1500 g; other values as written.
 */
export const quantityParameter: ParameterParser = (use) => {
  if (use.modifier !== undefined) return badModifier(use);
  const asWritten: QuantityValue[] = [];
  const canonical: QuantityValue[] = [];
  for (const value of use.values.map((v) => parseQuantity(use.name, v))) {
    const converted = value.system === UCUM && value.code ? canonicalQuantity(value.code, value) : undefined;
    if (converted) canonical.push({ prefix: value.prefix, ...converted, system: UCUM });
    else asWritten.push(value);
  }
  const conditions: Condition[] = [];
  if (asWritten.length > 0) conditions.push({ kind: 'quantity', param: use.code, values: asWritten });
  if (canonical.length > 0) conditions.push({ kind: 'quantity', param: canonicalParam(use.code), values: canonical });
  return conditions.length === 1 ? (conditions[0] as Condition) : { kind: 'any-of', groups: conditions.map((c) => [c]) };
};
