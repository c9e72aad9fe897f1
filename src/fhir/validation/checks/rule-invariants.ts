/**
 * The R4 invariants that the Bundle, reference and narrative checks implement by hand, with the
 * locations and messages of the reference validator: a check that evaluates the FHIRPath
 * constraints of the StructureDefinitions skips these keys rather than reporting them twice.
 * (txt-1 and txt-2 call htmlChecks(), which is not FHIRPath a library can evaluate.)
 */
export const RULE_INVARIANTS: ReadonlySet<string> = new Set([
  'bdl-1', 'bdl-2', 'bdl-3', 'bdl-4', 'bdl-5', 'bdl-7', 'bdl-8', 'bdl-9', 'bdl-10', 'bdl-11', 'bdl-12',
  'dom-2', 'dom-3', 'dom-4', 'dom-5',
  // ref-1: a `#id` reference names a contained resource (references.ts, at the reference itself).
  'ref-1',
  'txt-1', 'txt-2',
]);
