import type { RegistryAdmin } from '../admin/registry-admin.ts';
import { CLIENT_STATUSES, type ClientStatus } from '../clients/client-repository.ts';
import type { SigningKeyInfo } from '../keys/signing-keys.ts';
import type { ConsoleAudit, ConsoleAuditEntry } from './console-audit.ts';

/** Events of each kind the dashboard lists, newest first. */
export const DASHBOARD_EVENTS = 5;
/**
 * How far back the dashboard looks for them: the search walks the trail newest first until it has five, so a
 * window keeps a trail of millions with no recent refusal from being read to its start on every visit.
 */
export const DASHBOARD_EVENT_DAYS = 7;
const DAY_MS = 86_400_000;

/** What the console's dashboard shows: how much there is, what was refused lately, and the signing keys' age. */
export interface DashboardFacts {
  /** Undefined at a tenant's console (it sees one tenant). */
  tenants?: number;
  apps: number;
  /** Apps by review status (a Client without one is approved). */
  appsByStatus: Readonly<Record<ClientStatus, number>>;
  users: number;
  policies: number;
  /** Grants that still give access: standing, with an unexpired access token or unspent refresh token. */
  activeGrants: number;
  /** Days the two lists of events look back. */
  eventDays: number;
  /** The latest FHIR requests refused or failed (outcome 4, 8 or 12). */
  refused: readonly ConsoleAuditEntry[];
  /** The latest failed sign-ins, lockouts and refused or suspicious token, code and consent events. */
  securityEvents: readonly ConsoleAuditEntry[];
  keys: readonly SigningKeyInfo[];
}

/** Counts the registry's list operations cannot give without reading every row (src/storage/auth implements it). */
export interface ConsoleCounts {
  /** A tenant's Clients (undefined: every Client) by review status. */
  appsByStatus(tenant: string | undefined): Promise<Record<ClientStatus, number>>;
  /** The grants made at a tenant (undefined: everywhere) that still give access at `now`. */
  activeGrants(tenant: string | undefined, now: Date): Promise<number>;
}

export interface DashboardSources {
  registry: RegistryAdmin;
  /** Every tenant's console sees the deployment's keys (one JWKS serves all tenants). */
  keys: () => Promise<SigningKeyInfo[]>;
  /** The tenant this console sees; undefined: every tenant (the root's). */
  tenant: string | undefined;
  counts: ConsoleCounts;
  /** This console's audit log (scoped to its tenant). */
  audit: ConsoleAudit;
  now: () => Date;
}

/** Counts through the admin API's own list operations (a page of none: the total only) and the stores' counts. */
export async function dashboardFacts(sources: DashboardSources): Promise<DashboardFacts> {
  const total = async (kind: 'Client' | 'User' | 'AccessPolicy' | 'Tenant') => (await sources.registry.list(kind, { count: 0, offset: 0 })).total;
  const from = new Date(sources.now().getTime() - DASHBOARD_EVENT_DAYS * DAY_MS);
  const latest = async (filter: Parameters<ConsoleAudit['search']>[0]) => (await sources.audit.search({ ...filter, from }, undefined, DASHBOARD_EVENTS)).entries;
  const [apps, users, policies, keys, tenants, appsByStatus, activeGrants, refusedRest, refusedExports, authentication, security] = await Promise.all([
    total('Client'),
    total('User'),
    total('AccessPolicy'),
    sources.keys(),
    sources.tenant === undefined ? total('Tenant') : Promise.resolve(undefined),
    sources.counts.appsByStatus(sources.tenant),
    sources.counts.activeGrants(sources.tenant, sources.now()),
    latest({ kind: 'rest', outcome: 'failure' }),
    latest({ kind: 'export', outcome: 'failure' }),
    latest({ kind: 'authentication', outcome: 'failure' }),
    latest({ kind: 'security', outcome: 'failure' }),
  ]);
  return {
    apps,
    appsByStatus: { ...Object.fromEntries(CLIENT_STATUSES.map((s) => [s, 0])), ...appsByStatus } as Record<ClientStatus, number>,
    users,
    policies,
    activeGrants,
    eventDays: DASHBOARD_EVENT_DAYS,
    refused: newest([...refusedRest, ...refusedExports]),
    securityEvents: newest([...authentication, ...security]),
    keys,
    ...(tenants !== undefined ? { tenants } : {}),
  };
}

/** The newest DASHBOARD_EVENTS of two newest-first lists. */
const newest = (entries: ConsoleAuditEntry[]) => entries.sort((a, b) => (a.event.recorded < b.event.recorded ? 1 : a.event.recorded > b.event.recorded ? -1 : 0)).slice(0, DASHBOARD_EVENTS);
