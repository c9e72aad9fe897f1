import { z } from 'zod';
import { Problems } from '../registry/validation-error.ts';
import type { AccessPolicy } from './access-policy.ts';
import { compilePattern } from './matcho.ts';

const MAX_REGEX_LENGTH = 1000;

const linkSchema = z.union([
  z.strictObject({ resourceType: z.enum(['Client', 'User', 'Operation']), id: z.string().min(1) }),
  z.strictObject({ reference: z.string().regex(/^(Client|User|Operation)\/[^/\s]+$/, 'must be Client/<id>, User/<id> or Operation/<id>') }),
]);

/** An AccessPolicy as the admin API parses it. */
export const policySchema = z.strictObject({
  resourceType: z.literal('AccessPolicy', 'must be "AccessPolicy"').optional(),
  id: z.string().optional(),
  meta: z.looseObject({}).optional(),
  description: z.string().max(4096).optional(),
  engine: z.enum(['allow', 'matcho'], 'must be allow or matcho'),
  link: z.array(linkSchema).optional(),
  matcho: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Validates an AccessPolicy (seed 002 and 004 shapes); links are stored as `{ resourceType, id }`.
 * Throws a 422 FhirError naming the fields at fault.
 */
export function validateAccessPolicy(input: unknown, context: { id?: string }): AccessPolicy {
  const problems = new Problems('AccessPolicy');
  const { id: _id, meta, link, ...rest } = problems.parseBody(policySchema, input);
  const policy: AccessPolicy = { ...rest, resourceType: 'AccessPolicy' };
  if (context.id !== undefined) policy.id = context.id;
  if (meta) {
    const { versionId: _v, lastUpdated: _l, ...keep } = meta;
    if (Object.keys(keep).length) policy.meta = keep;
  }
  if (link) {
    policy.link = link.map((l) => {
      if ('reference' in l) {
        const [resourceType, id] = l.reference.split('/') as ['Client' | 'User' | 'Operation', string];
        return { resourceType, id };
      }
      return l;
    });
  }
  if (policy.engine === 'allow' && !policy.link?.length) {
    problems.add('link', 'an allow policy needs at least one link (a Client, User or Operation); it would otherwise allow everyone', 'required');
  }
  if (policy.engine === 'matcho') {
    if (!policy.matcho) problems.add('matcho', 'a matcho policy needs a matcho pattern', 'required');
    else checkPatterns(policy.matcho, 'matcho', problems);
  }
  problems.throwIfAny();
  return policy;
}

function checkPatterns(pattern: unknown, path: string, problems: Problems): void {
  if (typeof pattern === 'string' && pattern.startsWith('#')) {
    if (pattern.length > MAX_REGEX_LENGTH) problems.add(path, `regular expression longer than ${MAX_REGEX_LENGTH} characters`);
    else if (!compilePattern(pattern)) problems.add(path, 'is not a valid regular expression');
  } else if (Array.isArray(pattern)) {
    pattern.forEach((p, i) => checkPatterns(p, `${path}[${i}]`, problems));
  } else if (pattern && typeof pattern === 'object') {
    for (const [key, sub] of Object.entries(pattern)) {
      if ((key === '$enum' || key === '$one-of') && !Array.isArray(sub)) problems.add(`${path}.${key}`, 'must be an array');
      checkPatterns(sub, `${path}.${key}`, problems);
    }
  }
}

