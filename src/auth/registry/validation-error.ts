import type { z } from 'zod';
import { AdminError, adminIssue, type AdminIssue, type AdminIssueCode } from '../admin/admin-error.ts';

/** Collects field problems of one registry resource; `throwIfAny` raises them as one 422 AdminError. */
export class Problems {
  private readonly issues: AdminIssue[] = [];
  constructor(private readonly resourceType: string) {}

  /** path like `auth.authorization_code.redirect_uri` or `grant_types[1]`; empty for the whole resource. */
  add(path: string, message: string, code: AdminIssueCode = 'invalid'): void {
    const expression = path ? `${this.resourceType}.${path}` : this.resourceType;
    this.issues.push(adminIssue(code, `${expression}: ${message}`, expression));
  }

  get any(): boolean {
    return this.issues.length > 0;
  }

  throwIfAny(): void {
    if (this.issues.length) throw new AdminError(422, this.issues);
  }

  /** The body parsed by `schema`, or a 422 naming every field the schema refuses (unknown fields included). */
  parseBody<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      this.add('', `the body must be ${/^[AEIOU]/.test(this.resourceType) ? 'an' : 'a'} ${this.resourceType} object`);
      this.throwIfAny();
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        this.add(pathText(i.path), i.code === 'unrecognized_keys' ? `unknown field(s) ${i.keys.join(', ')}` : i.message);
      }
      this.throwIfAny();
    }
    return parsed.data as z.infer<S>;
  }
}

/** zod issue path → `a.b[0].c`. */
export function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}
