/**
 * OperationOutcome and the one error type the FHIR layer throws. The HTTP layer renders a
 * FhirError as its OperationOutcome with its status; anything else becomes a 500 outcome
 * without internals.
 */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';
/** OperationOutcome.issue.code (http://hl7.org/fhir/issue-type). */
export type IssueType =
  | 'invalid' | 'structure' | 'required' | 'value' | 'invariant' | 'security' | 'login' | 'unknown'
  | 'expired' | 'forbidden' | 'suppressed' | 'processing' | 'not-supported' | 'duplicate'
  | 'multiple-matches' | 'not-found' | 'deleted' | 'too-long' | 'code-invalid' | 'extension'
  | 'too-costly' | 'business-rule' | 'conflict' | 'transient' | 'lock-error' | 'no-store'
  | 'exception' | 'timeout' | 'incomplete' | 'throttled' | 'informational';

export interface OutcomeIssue {
  severity: IssueSeverity;
  code: IssueType;
  diagnostics?: string;
  /** FHIRPath of the element at fault, e.g. `Patient.birthDate`. */
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

export function outcome(...issues: OutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function issue(code: IssueType, diagnostics: string, expression?: string, severity: IssueSeverity = 'error'): OutcomeIssue {
  return { severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) };
}

export class FhirError extends Error {
  readonly outcome: OperationOutcome;
  constructor(
    readonly status: number,
    issues: OutcomeIssue | OutcomeIssue[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => i.diagnostics ?? i.code).join('; '));
    this.name = 'FhirError';
    this.outcome = outcome(...list);
  }
}

export const badRequest = (diagnostics: string, expression?: string) =>
  new FhirError(400, issue('invalid', diagnostics, expression));
export const notFound = (diagnostics: string) => new FhirError(404, issue('not-found', diagnostics));
export const notSupported = (diagnostics: string, status = 400) => new FhirError(status, issue('not-supported', diagnostics));
export const gone = (diagnostics: string) => new FhirError(410, issue('deleted', diagnostics));
export const conflict = (diagnostics: string, status = 409) => new FhirError(status, issue('conflict', diagnostics));
export const preconditionFailed = (diagnostics: string) => new FhirError(412, issue('conflict', diagnostics));
