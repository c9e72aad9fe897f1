import { z } from 'zod';
import { Problems } from '../registry/validation-error.ts';
import { hashPassword } from './password-hash.ts';
import type { User } from './user.ts';
import { ID_SOURCE } from '../../fhir/resource.ts';

const FHIR_USER = new RegExp(`^(Patient|Practitioner|RelatedPerson|Person)/${ID_SOURCE}$`);

/** A User as the admin API parses it. */
export const userSchema = z.strictObject({
  resourceType: z.literal('User', 'must be "User"').optional(),
  id: z.string().optional(),
  meta: z.looseObject({ _tenant: z.string().regex(/^[A-Za-z0-9._~-]{1,64}$/).optional() }).optional(),
  name: z
    .union([z.string().max(256), z.strictObject({ givenName: z.string().optional(), familyName: z.string().optional(), formatted: z.string().optional() })])
    .optional(),
  email: z.email('must be an email address').max(320).optional(),
  password: z.string().min(8, 'must be at least 8 characters').max(1024).optional(),
  fhirUser: z
    .union([z.string(), z.strictObject({ reference: z.string() }), z.strictObject({ resourceType: z.string(), id: z.string() })])
    .optional(),
  active: z.boolean().optional(),
  identities: z
    .array(z.strictObject({ issuer: z.url('must be the identity provider\'s issuer URL').max(2048), subject: z.string().min(1).max(255) }))
    .max(20)
    .optional(),
  roles: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a role name such as patient or practitioner')).optional(),
});

export interface UserInputContext {
  id?: string;
  /** The stored version a PUT replaces: its password hash is kept when the body has no password. */
  previous?: User;
  hash?: (password: string) => Promise<string>;
}

/**
 * Validates a User as sent to the admin API; returns it with the password replaced by its hash and
 * fhirUser as a `Type/id` string. Throws a 422 FhirError naming the fields at fault.
 */
export async function validateUser(input: unknown, context: UserInputContext): Promise<User> {
  const problems = new Problems('User');
  const { id: _id, meta, password, fhirUser, ...rest } = problems.parseBody(userSchema, input);
  const user: User = { ...rest, resourceType: 'User' };
  if (context.id !== undefined) user.id = context.id;
  if (meta) {
    const { versionId: _v, lastUpdated: _l, ...keep } = meta;
    if (Object.keys(keep).length) user.meta = keep;
  }
  if (fhirUser !== undefined) {
    const reference =
      typeof fhirUser === 'string' ? fhirUser : 'reference' in fhirUser ? fhirUser.reference : `${fhirUser.resourceType}/${fhirUser.id}`;
    if (!FHIR_USER.test(reference)) {
      problems.add('fhirUser', 'must reference a Patient, Practitioner, RelatedPerson or Person, e.g. Patient/123');
    }
    user.fhirUser = reference;
  }
  problems.throwIfAny();
  if (password !== undefined) user.password_hash = await (context.hash ?? hashPassword)(password);
  else if (context.previous?.password_hash) user.password_hash = context.previous.password_hash;
  return user;
}
