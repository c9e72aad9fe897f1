import type { DecisionTrace } from '../access/decision-trace.ts';
import type { AccessPolicy, PolicyLink } from './access-policy.ts';
import { matches } from './matcho.ts';
import type { PolicyRequestContext } from './request-context.ts';

/** True when any policy grants the request; no policy, no access. With a `trace`, each policy evaluated is written there. */
export function evaluatePolicies(policies: readonly AccessPolicy[], context: PolicyRequestContext, trace?: DecisionTrace): boolean {
  return grantingPolicy(policies, context, trace) !== undefined;
}

/**
 * The first policy that grants the request (for explanations), or undefined. With a `trace`, every policy
 * evaluated (up to the one that grants) is written there with why it did or did not grant.
 */
export function grantingPolicy<P extends AccessPolicy>(policies: readonly P[], context: PolicyRequestContext, trace?: DecisionTrace): P | undefined {
  if (!trace) return policies.find((policy) => verdict(policy, context) === 'grants');
  for (const policy of policies) {
    const outcome = verdict(policy, context);
    trace.push({ kind: 'policy', verdict: outcome === 'grants' ? 'met' : 'missing', text: `AccessPolicy/${policy.id ?? '(new)'} ${SAID[outcome](policy)}` });
    if (outcome === 'grants') return policy;
  }
  if (policies.length === 0) trace.push({ kind: 'policy', verdict: 'missing', text: 'there is no AccessPolicy to evaluate' });
  return undefined;
}

/** Why a policy grants a request or not; constants, so the FHIR read path allocates nothing to learn it. */
type PolicyVerdict = 'grants' | 'not-linked' | 'no-match' | 'no-rule';

const SAID: Readonly<Record<PolicyVerdict, (policy: AccessPolicy) => string>> = {
  grants: (p) => (p.engine === 'allow' ? `allows everything to ${linkList(p)}: it grants` : `matches the request${p.link?.length ? ` from ${linkList(p)}` : ''}: it grants`),
  'not-linked': (p) => `is linked to ${linkList(p)}, not to this request's Client, User or operation`,
  'no-match': () => 'has a matcho pattern the request does not match',
  'no-rule': () => 'grants nothing (an allow policy without links, or a matcho policy without a pattern)',
};

function linkList(policy: AccessPolicy): string {
  return (policy.link ?? []).map((l) => `${l.resourceType}/${l.id}`).join(', ');
}

function verdict(policy: AccessPolicy, context: PolicyRequestContext): PolicyVerdict {
  const links = policy.link ?? [];
  if (links.length > 0 && !links.some((link) => linkMatches(link, context))) return 'not-linked';
  switch (policy.engine) {
    // An allow policy without links is refused at validation, so this never grants everyone.
    case 'allow':
      return links.length > 0 ? 'grants' : 'no-rule';
    case 'matcho':
      if (policy.matcho === undefined) return 'no-rule';
      return matches(policy.matcho, context) ? 'grants' : 'no-match';
    default:
      return 'no-rule';
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
