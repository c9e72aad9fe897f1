import type { Client } from '../clients/client-repository.ts';

/**
 * Whether a client registered itself (RFC 7591: it carries a `registration` record) and no administrator has
 * reviewed it since, so its name and redirect URIs are only its own claims. An administrator marks the review
 * with `registration.reviewed: true` on the Client (admin API). The client's own RFC 7592 update writes a new
 * registration record, and so needs a new review.
 */
export function isUnverifiedClient(client: Client): boolean {
  const registration = client.registration;
  if (registration === undefined) return false;
  // Any other value of `registration` (not an object, no mark) reads as unreviewed: the notice fails safe.
  return !(typeof registration === 'object' && registration !== null && (registration as Record<string, unknown>).reviewed === true);
}
