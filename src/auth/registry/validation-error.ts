import { FhirError, issue, type OutcomeIssue } from '../../fhir/outcome.ts';

/** Collects field problems of one registry resource; `throwIfAny` raises them as one 422 OperationOutcome. */
export class Problems {
  private readonly issues: OutcomeIssue[] = [];
  constructor(private readonly resourceType: string) {}

  /** path like `auth.authorization_code.redirect_uri` or `grant_types[1]`; empty for the whole resource. */
  add(path: string, message: string, code: OutcomeIssue['code'] = 'invalid'): void {
    const expression = path ? `${this.resourceType}.${path}` : this.resourceType;
    this.issues.push(issue(code, `${expression}: ${message}`, expression));
  }

  get any(): boolean {
    return this.issues.length > 0;
  }

  throwIfAny(): void {
    if (this.issues.length) throw new FhirError(422, this.issues);
  }
}

/** zod issue path → `a.b[0].c`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
