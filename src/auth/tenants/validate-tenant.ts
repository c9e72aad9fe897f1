import { z } from 'zod';
import { Problems } from '../registry/validation-error.ts';
import { DEFAULT_TENANT, type Tenant } from './tenant.ts';

/** A Tenant as the admin API parses it. */
export const tenantSchema = z.strictObject({
  resourceType: z.literal('Tenant', 'must be "Tenant"').optional(),
  id: z.string().optional(),
  meta: z.looseObject({}).optional(),
  name: z.string('must be the organisation\'s name').trim().min(1, 'must not be empty').max(256),
  active: z.boolean().optional(),
  logo: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of an image' }).max(2048).optional(),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour as #rrggbb').optional(),
  password_login: z.boolean().optional(),
});

/**
 * Validates a Tenant as sent to the admin API (name required; `active` defaults to true). The default tenant
 * is every URL without `/t/{tenant}`: it can be renamed and branded, never deactivated.
 */
export function validateTenant(input: unknown, context: { id: string }): Tenant {
  const problems = new Problems('Tenant');
  const { id: _id, meta: _meta, ...rest } = problems.parseBody(tenantSchema, input);
  const tenant: Tenant = { ...rest, resourceType: 'Tenant', id: context.id, active: rest.active ?? true };
  if (context.id === DEFAULT_TENANT && !tenant.active) {
    problems.add('active', 'the default tenant serves every URL without /t/{tenant} and cannot be deactivated', 'business-rule');
  }
  problems.throwIfAny();
  return tenant;
}
