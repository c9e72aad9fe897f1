import type { RegistryRepository, RegistryResource, Stored } from '../registry/registry-repository.ts';

/** A subject a policy applies to: a Client, a User, or an Operation (an admin interaction, e.g. `Client.update`). */
export interface PolicyLink {
  resourceType: 'Client' | 'User' | 'Operation';
  id: string;
}

/**
 * Aidbox-style AccessPolicy. `allow` grants every request from a linked subject; `matcho` grants a
 * request matching its pattern (and, when links are given, coming from a linked subject).
 */
export interface AccessPolicy extends RegistryResource {
  resourceType: 'AccessPolicy';
  engine: 'allow' | 'matcho';
  link?: PolicyLink[];
  matcho?: Record<string, unknown>;
  description?: string;
}

export type StoredAccessPolicy = Stored<AccessPolicy>;

export interface AccessPolicyRepository extends RegistryRepository<AccessPolicy> {
  /** Every policy; the set is small and read on each decision. */
  all(): Promise<StoredAccessPolicy[]>;
}
