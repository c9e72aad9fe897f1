import type { OutcomeIssue } from '../outcome.ts';

/** Why a resource is being validated: a write (create, update, patch, a Bundle entry) or `$validate`. */
export type ValidationPurpose = 'write' | 'validate';

/** What each check sees: a resource that has passed the structure walk (its JSON shapes are the R4 ones). */
export interface CheckInput {
  readonly resource: Readonly<Record<string, unknown>>;
  readonly resourceType: string;
  /**
   * The profiles to validate against: those of `meta.profile` (when profiles are enforced for this purpose)
   * and the one `$validate` names in its `profile` parameter.
   */
  readonly profiles: readonly string[];
  readonly purpose: ValidationPurpose;
}

/**
 * One rule family of validation (FHIRPath invariants, terminology bindings, extensions, Bundle rules,
 * narrative, profiles): each is its own file under checks/, registered in the one table of
 * validation-checks.ts. A check reports every issue it finds, each with its severity and the FHIRPath
 * of the element at fault; one of severity `error` or `fatal` refuses a write.
 */
export interface ValidationCheck {
  readonly name: string;
  run(input: CheckInput, report: (issue: OutcomeIssue) => void): void;
}
