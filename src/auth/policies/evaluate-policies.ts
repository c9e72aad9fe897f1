import type { AccessPolicy, PolicyLink } from './access-policy.ts';
import { matches } from './matcho.ts';
import type { PolicyRequestContext } from './request-context.ts';

/** True when any policy grants the request; no policy, no access. */
export function evaluatePolicies(policies: readonly AccessPolicy[], context: PolicyRequestContext): boolean {
  return grantingPolicy(policies, context) !== undefined;
}

/** The first policy that grants the request (for explanations), or undefined. */
export function grantingPolicy<P extends AccessPolicy>(policies: readonly P[], context: PolicyRequestContext): P | undefined {
  return policies.find((policy) => grants(policy, context));
}

function grants(policy: AccessPolicy, context: PolicyRequestContext): boolean {
  const links = policy.link ?? [];
  if (links.length > 0 && !links.some((link) => linkMatches(link, context))) return false;
  switch (policy.engine) {
    // An allow policy without links is refused at validation, so this never grants everyone.
    case 'allow':
      return links.length > 0;
    case 'matcho':
      return policy.matcho !== undefined && matches(policy.matcho, context);
    default:
      return false;
  }
}

function linkMatches(link: PolicyLink, context: PolicyRequestContext): boolean {
  switch (link.resourceType) {
    case 'Client':
      return context.client?.id === link.id;
    case 'User':
      return context.user?.id === link.id;
    case 'Operation':
      return context.operation?.id === link.id;
    default:
      return false;
  }
}
