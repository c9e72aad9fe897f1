import type { Client } from '../clients/client-repository.ts';
import { isUnverifiedClient } from '../registration/registration-review.ts';

/** Who an app says it is, as the sign-in and consent pages show it. */
export interface AppIdentity {
  name: string;
  /** Only for an app an administrator made or reviewed: an unverified app's images are not loaded. */
  logo?: string;
  organisation?: { name: string; url?: string };
  policyUrl?: string;
  termsUrl?: string;
  /** It registered itself and nobody has reviewed it: all of the above is its own claim. */
  unverified: boolean;
}

const httpUrl = (value: unknown): string | undefined => {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
};

/** A Client's identity (seed 000's `details`: logo-uri, org-name, org-uri, policy-uri, tos-uri), links http(s) only. */
export function appIdentityOf(client: Client & { id: string }): AppIdentity {
  const details = client.details ?? {};
  const unverified = isUnverifiedClient(client);
  const logo = unverified ? undefined : httpUrl(details['logo-uri']);
  const orgName = typeof details['org-name'] === 'string' && details['org-name'].trim() ? details['org-name'].trim() : undefined;
  const orgUrl = httpUrl(details['org-uri']);
  const policyUrl = httpUrl(details['policy-uri']);
  const termsUrl = httpUrl(details['tos-uri']);
  return {
    name: client.name ?? client.id,
    ...(logo ? { logo } : {}),
    ...(orgName ? { organisation: { name: orgName, ...(orgUrl ? { url: orgUrl } : {}) } } : {}),
    ...(policyUrl ? { policyUrl } : {}),
    ...(termsUrl ? { termsUrl } : {}),
    unverified,
  };
}
