import { ownPatientOf, patientUserOf, type RelatedPatientLookup } from '../access/patient-user.ts';
import type { ClientRepository } from '../clients/client-repository.ts';
import type { AccessHistory, AppAccessSummary, SignInRecord } from './access-history.ts';

/** Days of app activity the page shows (per-day counts, recent requests, last access). */
export const APP_HISTORY_DAYS = 14;
/** Requests listed per app at most. */
export const APP_EVENTS_SHOWN = 50;
/** Days of sign-ins the page looks back. */
export const SIGN_IN_HISTORY_DAYS = 90;
/** Sign-ins listed at most. */
export const SIGN_INS_SHOWN = 20;

const DAY_MS = 86_400_000;

/** An app's activity with the name the page shows (the Client's `name`, else its id; a deleted Client its id). */
export interface NamedAppAccess extends AppAccessSummary {
  clientName: string;
}

export interface AccountActivity {
  /** For a user who is a patient (or acts for one): what each app did with their record. Absent for anyone else. */
  apps?: NamedAppAccess[];
  /** Days of app activity covered. */
  appDays: number;
  signIns: SignInRecord[];
  /** Days of sign-ins covered. */
  signInDays: number;
}

/** What the audit trail tells the signed-in user about their record and their account. */
export interface AccountHistory {
  forUser(user: { id: string; fhirUser?: string }): Promise<AccountActivity>;
}

export interface AccountHistoryDeps {
  history: AccessHistory;
  clients: Pick<ClientRepository, 'get'>;
  /** The patient a RelatedPerson acts for. */
  relatedPatient?: RelatedPatientLookup;
  now: () => Date;
}

export function createAccountHistory(deps: AccountHistoryDeps): AccountHistory {
  const nameOf = async (clientId: string) => (await deps.clients.get(clientId))?.name || clientId;
  return {
    async forUser(user) {
      const now = deps.now().getTime();
      const patientUser = patientUserOf(user.fhirUser);
      const patientId = patientUser ? await ownPatientOf(patientUser, deps.relatedPatient) : undefined;
      const [apps, signIns] = await Promise.all([
        patientId === undefined
          ? undefined
          : deps.history.appAccess({ userId: user.id, patientId, since: new Date(now - APP_HISTORY_DAYS * DAY_MS), limit: APP_EVENTS_SHOWN }),
        deps.history.signIns({ userId: user.id, since: new Date(now - SIGN_IN_HISTORY_DAYS * DAY_MS), limit: SIGN_INS_SHOWN }),
      ]);
      const named = apps && (await Promise.all(apps.map(async (app) => ({ ...app, clientName: await nameOf(app.clientId) }))));
      return { ...(named ? { apps: named } : {}), appDays: APP_HISTORY_DAYS, signIns, signInDays: SIGN_IN_HISTORY_DAYS };
    },
  };
}
