/**
 * One link of an access decision's chain, for people (the console's policy tester): a scope that matched or was
 * missing, an AccessPolicy evaluated and whether it granted, a compartment or category constraint applied.
 */
export interface DecisionStep {
  readonly kind: 'scope' | 'policy' | 'constraint' | 'user';
  /** `met`: this link holds (a scope matched, a policy granted); `missing`: it does not; `note`: said for context. */
  readonly verdict: 'met' | 'missing' | 'note';
  readonly text: string;
}

/**
 * Where a decision writes its chain, in order, when asked to. The FHIR API never passes one: the deciding
 * functions write through `trace?.push(…)`, which builds nothing when there is no trace.
 */
export type DecisionTrace = DecisionStep[];
