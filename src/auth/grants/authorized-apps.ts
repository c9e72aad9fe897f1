import type { ClientRepository } from '../clients/client-repository.ts';
import type { GrantStore } from './grant-store.ts';

/** One app a user has authorized, as the authorized-apps page shows it. */
export interface AuthorizedApp {
  grantId: string;
  clientId: string;
  /** The Client's `name`, else its id. */
  clientName: string;
  /** The granted scope tokens, as granted. */
  scopes: string[];
  grantedAt: Date;
  /** The patient in context, when any: its id and, when known, its name. */
  patient?: { id: string; name?: string };
  /** Minted by the sandbox's debug token endpoint, not authorized on the consent page. */
  debugMinted: boolean;
}

export type RevokeOutcome = 'revoked' | 'not-found';

/**
 * The patient-facing management of authorizations (SMART App Launch 2.2 `management_endpoint`): what
 * the signed-in user has granted, and revoking it — only ever the user's own grants.
 */
export interface AuthorizedApps {
  list(userId: string): Promise<AuthorizedApp[]>;
  /**
   * Revokes one of the user's grants: every access and refresh token of it stops working at once.
   * A grant of someone else and an unknown id are the same `not-found` (nothing is revealed, nothing done).
   */
  revoke(userId: string, grantId: string): Promise<RevokeOutcome>;
  /** The name of the app behind one of the user's revoked grants (the page's confirmation); undefined otherwise. */
  revokedAppName(userId: string, grantId: string): Promise<string | undefined>;
}

export interface AuthorizedAppsDeps {
  grants: Pick<GrantStore, 'get' | 'revoke' | 'listActiveForUser'>;
  clients: Pick<ClientRepository, 'get'>;
  /** A patient's display name, when the record has one. */
  patientName?: (id: string) => Promise<string | undefined>;
  now: () => Date;
}

export function createAuthorizedApps(deps: AuthorizedAppsDeps): AuthorizedApps {
  return {
    async list(userId) {
      const grants = await deps.grants.listActiveForUser(userId, deps.now());
      return Promise.all(
        grants.map(async ({ grant, createdAt }) => {
          const client = await deps.clients.get(grant.clientId);
          const patientName = grant.patient !== undefined ? await deps.patientName?.(grant.patient) : undefined;
          const app: AuthorizedApp = {
            grantId: grant.id,
            clientId: grant.clientId,
            clientName: client?.name || grant.clientId,
            scopes: grant.scope.split(' ').filter((s) => s !== ''),
            grantedAt: createdAt,
            debugMinted: grant.debugMinted !== undefined,
            ...(grant.patient !== undefined ? { patient: { id: grant.patient, ...(patientName ? { name: patientName } : {}) } } : {}),
          };
          return app;
        }),
      );
    },

    async revoke(userId, grantId) {
      const stored = await deps.grants.get(grantId);
      // A revocation tombstone has no user: it is nobody's, so it is not found either.
      if (!stored || stored.grant.userId !== userId) return 'not-found';
      if (!stored.revoked) await deps.grants.revoke(grantId, deps.now());
      return 'revoked';
    },

    async revokedAppName(userId, grantId) {
      const stored = await deps.grants.get(grantId);
      if (!stored || !stored.revoked || stored.grant.userId !== userId) return undefined;
      return (await deps.clients.get(stored.grant.clientId))?.name || stored.grant.clientId;
    },
  };
}

interface HumanName {
  use?: string;
  text?: string;
  given?: string[];
  family?: string;
}

/** A FHIR Patient's name for display: the `official` (else first) HumanName, its text or given + family. */
export function patientDisplayName(patient: Readonly<Record<string, unknown>>): string | undefined {
  if (!Array.isArray(patient.name)) return undefined;
  const names = patient.name.filter((n): n is HumanName => typeof n === 'object' && n !== null);
  const name = names.find((n) => n.use === 'official') ?? names[0];
  if (!name) return undefined;
  if (typeof name.text === 'string' && name.text.trim() !== '') return name.text.trim();
  const given = Array.isArray(name.given) ? name.given.filter((g) => typeof g === 'string') : [];
  const parts = [...given, ...(typeof name.family === 'string' ? [name.family] : [])];
  return parts.length > 0 ? parts.join(' ') : undefined;
}
