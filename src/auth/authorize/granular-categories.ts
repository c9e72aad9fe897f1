import { formatScope, type Permission, type ResourceScope, type Scope } from '../scopes/index.ts';

const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const US_CORE_CONDITION_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/condition-category';
const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const US_CORE_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-category';

/**
 * The categories a user may grant instead of a whole Condition or Observation type (ONC g10 "granular scope
 * selection"; US Core 6.1/7 §"SMART on FHIR Obligations and Capabilities"), as `system|code` tokens exactly as
 * Inferno's granular-scope groups request them. US Core 6.1/7 file clinical tests (ECG, visual acuity…) under
 * the HL7 `procedure` category (US Core Clinical Result Observation Category); US Core 5's `clinical-test`
 * code lived in a code system US Core 6 retired, so `procedure` is what "Clinical Test" means today; both are offered.
 */
export const GRANULAR_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Condition: [`${CONDITION_CATEGORY}|encounter-diagnosis`, `${CONDITION_CATEGORY}|problem-list-item`, `${US_CORE_CONDITION_CATEGORY}|health-concern`],
  Observation: [
    `${OBSERVATION_CATEGORY}|laboratory`,
    `${OBSERVATION_CATEGORY}|vital-signs`,
    `${OBSERVATION_CATEGORY}|social-history`,
    `${OBSERVATION_CATEGORY}|survey`,
    `${US_CORE_CATEGORY}|sdoh`,
    `${OBSERVATION_CATEGORY}|procedure`,
    // US Core 5 data still carries it; the issue and ONC's list name it.
    `${US_CORE_CATEGORY}|clinical-test`,
  ],
};

/** Category scopes only narrow reading: a write permission is never offered per category. */
const READ_PERMISSIONS: ReadonlySet<Permission> = new Set(['r', 's']);

/** One offered scope on the consent page and the narrower category scopes the user may pick instead. */
export interface ConsentChoice {
  scope: Scope;
  categories: ResourceScope[];
}

/**
 * The category scopes that narrow `scope`: same context and type, its read permissions (a v1 `read` becomes
 * `rs`), one `category` each, in v2 syntax (SMART App Launch 2.2 §"Finer-grained resource constraints").
 * Only whole-type patient/ or user/ scopes that can read have any.
 */
export function categoryNarrowings(scope: Scope): ResourceScope[] {
  if (scope.kind !== 'resource' || scope.context === 'system' || (scope.query?.length ?? 0) > 0) return [];
  const categories = GRANULAR_CATEGORIES[scope.resourceType];
  if (!categories || !scope.permissions.has('r')) return [];
  const permissions = new Set([...scope.permissions].filter((p) => READ_PERMISSIONS.has(p)));
  return categories.map((category) => {
    const narrowed: ResourceScope = {
      kind: 'resource',
      context: scope.context,
      resourceType: scope.resourceType,
      permissions,
      version: 2,
      query: [['category', category]],
      text: '',
    };
    return { ...narrowed, text: formatScope(narrowed) };
  });
}

/**
 * What the consent page offers: every offered scope, each with its category narrowings — except those the app
 * asked for itself (already their own choice) or that an earlier scope already offers.
 */
export function consentChoices(offered: readonly Scope[]): ConsentChoice[] {
  const seen = new Set(offered.map(formatScope));
  return offered.map((scope) => {
    const categories = categoryNarrowings(scope).filter((category) => {
      const text = formatScope(category);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
    return { scope, categories };
  });
}
