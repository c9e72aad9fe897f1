import type { ListPage } from '../registry/registry-repository.ts';
import type { Client, ClientStatus, ClientType } from './client-repository.ts';

/** Where a Client stands for the console's filter: its review status, or `suspended` (deactivated: `active: false`). */
export const CLIENT_STANDINGS = ['draft', 'submitted', 'approved', 'rejected', 'suspended'] as const;
export type ClientStanding = (typeof CLIENT_STANDINGS)[number];

/** Which Clients an administrator is looking for: every given criterion must hold. */
export interface ClientCriteria {
  /** Part of its name or client_id, any case. */
  nameContains?: string;
  type?: ClientType;
  /** A review status (no status counts as `approved`, see isApproved), or `suspended`. */
  standing?: ClientStanding;
  /** Bound to this tenant; `default`: the global Clients (bound to none). */
  tenant?: string;
  /** Owned by the developer with this User id, or this email (any case). */
  developer?: string;
}

/** A page of the search, by id (a stable order), with the total for the pager. */
export interface ClientSearchRequest {
  criteria: ClientCriteria;
  count: number;
  offset: number;
}

/** Storage port: the Clients matching criteria, filtered by the database (never a whole table read to filter). */
export interface ClientSearch {
  search(request: ClientSearchRequest): Promise<ListPage<Client>>;
}

/** The review statuses of CLIENT_STANDINGS (what `status` holds). */
export function isReviewStatus(standing: ClientStanding): standing is ClientStatus {
  return standing !== 'suspended';
}
