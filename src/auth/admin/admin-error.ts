/** How bad an issue is (an OperationOutcome issue's severity). */
export type AdminIssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

/** The OperationOutcome issue types (http://hl7.org/fhir/issue-type) the registry's answers use. */
export type AdminIssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'duplicate'
  | 'conflict'
  | 'business-rule'
  | 'too-costly'
  | 'not-supported'
  | 'exception';

/** One problem, shaped like an OperationOutcome's issue, which is how the admin API shows it. */
export interface AdminIssue {
  severity: AdminIssueSeverity;
  code: AdminIssueCode;
  diagnostics: string;
  /** The field at fault, e.g. `Client.jwks_uri`. */
  expression?: string[];
}

export function adminIssue(code: AdminIssueCode, diagnostics: string, expression?: string): AdminIssue {
  return { severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) };
}

export interface AdminErrorOptions {
  /** A `WWW-Authenticate` value (challenge.ts), for a 401. */
  challenge?: string;
  /** Seconds for `Retry-After` (RFC 9110 §10.2.3), when the caller is throttled. */
  retryAfterSeconds?: number;
}

/**
 * Why the registry refuses a request: of the admin API, of the registry validation that dynamic registration and
 * the RPC share, of the RPC. A status and issues: the admin API answers them as an OperationOutcome (JSON or
 * YAML), /rpc inside its `{ error }`, registration folds them into `invalid_client_metadata`.
 */
export class AdminError extends Error {
  readonly issues: readonly AdminIssue[];
  readonly challenge: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: number,
    issues: AdminIssue | AdminIssue[],
    options: AdminErrorOptions = {},
  ) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => i.diagnostics).join('; '));
    this.name = 'AdminError';
    this.issues = list;
    this.challenge = options.challenge;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const badRequest = (diagnostics: string, expression?: string) => new AdminError(400, adminIssue('invalid', diagnostics, expression));
export const notFound = (diagnostics: string) => new AdminError(404, adminIssue('not-found', diagnostics));
