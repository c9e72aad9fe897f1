import { ID_PATTERN } from '../../fhir/resource.ts';
import type { ClientRepository, StoredClient } from '../clients/client-repository.ts';
import { staleLaunchContext, type LaunchRecords } from './launch-records.ts';
import { mintLaunch, type MintLaunchDeps } from './mint-launch.ts';
import { isSimulatedError, type SimulatedError } from './simulated-error.ts';

/**
 * The EHR launcher: an operator (anyone in the sandbox; an administrator in production) opens an app as an EHR
 * would. The launches it mints are the RPC's (mint-launch.ts); what it adds is the choice, checked field by field.
 */

/** SMART App Launch 2.2 §"EHR Launch" for a practitioner or a patient, or a standalone launch of either kind. */
export const LAUNCH_TYPES = ['ehr-provider', 'ehr-patient', 'standalone-patient', 'standalone-provider'] as const;
export type LaunchType = (typeof LAUNCH_TYPES)[number];

/** The demo client the sample app registers as: listed first when present. */
export const SAMPLE_APP_CLIENT_ID = 'portico-sample-app';

export interface LauncherApp {
  id: string;
  name: string;
  launchUri: string;
}

/** Someone the launcher may launch for: in the sandbox its published demo users, in production the administrator. */
export interface LauncherUser {
  id: string;
  email?: string;
  name: string;
  /** `Practitioner/…`, `Patient/…`: which launch types fit the user. */
  fhirUser?: string;
}

/** The form as sent: every field a string ('' when absent). */
export interface LauncherForm {
  app: string;
  launchType: string;
  user: string;
  patient: string;
  encounter: string;
  sim: string;
}

export type LauncherField = keyof LauncherForm;
export type LauncherErrors = Partial<Record<LauncherField, string>>;

/** A launch every part of which was checked: the app, how, for whom, about which patient and visit. */
export interface LaunchPlan {
  app: LauncherApp;
  launchType: LaunchType;
  user: LauncherUser;
  patient?: string;
  encounter?: string;
  sim?: SimulatedError;
}

export interface LauncherDeps extends MintLaunchDeps {
  clients: Pick<ClientRepository, 'list' | 'get'>;
  records: LaunchRecords;
  /** Sandbox mode: simulated errors may be chosen. */
  simulatedErrors: boolean;
}

const MAX_CLIENTS = 500;

/** The apps an EHR can launch: active Clients with a `smart.launch_uri`, the sample app first, then by name. */
export async function launcherApps(deps: Pick<LauncherDeps, 'clients'>): Promise<LauncherApp[]> {
  const page = await deps.clients.list({ count: MAX_CLIENTS, offset: 0 });
  const apps = page.resources.map(launcherApp).filter((app): app is LauncherApp => app !== undefined);
  const rank = (app: LauncherApp) => (app.id === SAMPLE_APP_CLIENT_ID ? 0 : 1);
  return apps.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

function launcherApp(client: StoredClient): LauncherApp | undefined {
  const launchUri = client.smart?.launch_uri;
  if (client.active === false || !launchUri) return undefined;
  return { id: client.id, name: client.name ?? client.id, launchUri };
}

/** Whose record a user is: a patient (or someone acting for one), else a provider. */
export function userKind(user: LauncherUser): 'patient' | 'provider' {
  const type = user.fhirUser?.split('/')[0];
  return type === 'Patient' || type === 'RelatedPerson' ? 'patient' : 'provider';
}

/** The patient id of a patient user (`Patient/<id>`), else undefined. */
export function ownPatientOf(user: LauncherUser): string | undefined {
  const [type, id] = user.fhirUser?.split('/') ?? [];
  return type === 'Patient' && id !== undefined && ID_PATTERN.test(id) ? id : undefined;
}

const isLaunchType = (value: string): value is LaunchType => (LAUNCH_TYPES as readonly string[]).includes(value);
export const isEhrLaunch = (type: LaunchType) => type === 'ehr-provider' || type === 'ehr-patient';

/**
 * Checks the launcher form against the registry and the record: a launchable app, a known launch type, one of
 * `users` whose kind fits it, a live patient (a patient user's own for `ehr-patient`), an encounter of that
 * patient or none, a simulated error only where honoured (sandbox, EHR launches). Either the plan or an error
 * per field.
 */
export async function checkLaunchForm(form: LauncherForm, users: readonly LauncherUser[], deps: LauncherDeps): Promise<{ plan: LaunchPlan } | { errors: LauncherErrors }> {
  const errors: LauncherErrors = {};
  const client = form.app ? await deps.clients.get(form.app) : undefined;
  const app = client ? launcherApp(client) : undefined;
  if (!app) errors.app = form.app ? 'No active app with a launch URI has this id. Choose one of the list.' : 'Choose an app.';

  const launchType = isLaunchType(form.launchType) ? form.launchType : undefined;
  if (!launchType) errors.launchType = 'Choose a launch type.';

  const user = users.find((u) => u.id === form.user);
  if (!user) errors.user = users.length === 0 ? 'There is nobody to launch for: sign in as an administrator.' : 'Choose one of the listed users.';
  else if (launchType) {
    const wanted = launchType === 'ehr-patient' || launchType === 'standalone-patient' ? 'patient' : 'provider';
    if (userKind(user) !== wanted) errors.user = wanted === 'patient' ? 'This launch type is for a patient user; choose one.' : 'This launch type is for a practitioner user; choose one.';
  }

  let patient: string | undefined;
  let encounter: string | undefined;
  if (launchType === 'ehr-patient' && user && !errors.user) {
    patient = ownPatientOf(user);
    if (patient === undefined) errors.user = "This user's record is not a Patient: choose a patient user.";
    else if (form.patient && form.patient !== patient) errors.patient = "A patient launch is about the user's own record: leave the patient unchosen or choose theirs.";
  } else if (launchType === 'ehr-provider') {
    if (!form.patient) errors.patient = 'Choose the patient the app opens with.';
    else if (!ID_PATTERN.test(form.patient)) errors.patient = 'This is not a patient id.';
    else patient = form.patient;
  }
  if (form.encounter) {
    if (!launchType || !isEhrLaunch(launchType)) errors.encounter = 'Only an EHR launch carries an encounter.';
    else if (!ID_PATTERN.test(form.encounter)) errors.encounter = 'This is not an encounter id.';
    else encounter = form.encounter;
  }
  if (patient !== undefined && !errors.patient) {
    const stale = await staleLaunchContext({ patient, ...(encounter !== undefined ? { encounter } : {}) }, deps.records);
    if (stale === 'patient') errors.patient = 'No patient has this id.';
    if (stale === 'encounter') errors.encounter = 'This encounter is not one of the chosen patient’s.';
  }

  let sim: SimulatedError | undefined;
  if (form.sim) {
    if (!deps.simulatedErrors) errors.sim = 'Simulated errors exist in sandbox mode only.';
    else if (!isSimulatedError(form.sim)) errors.sim = 'Choose one of the listed errors, or none.';
    else if (launchType && !isEhrLaunch(launchType)) errors.sim = 'A simulated error travels in the signed launch, which only an EHR launch has: choose an EHR launch type, or no error.';
    else sim = form.sim;
  }

  if (!app || !launchType || !user || Object.keys(errors).length > 0) return { errors };
  return {
    plan: { app, launchType, user, ...(patient !== undefined ? { patient } : {}), ...(encounter !== undefined ? { encounter } : {}), ...(sim !== undefined ? { sim } : {}) },
  };
}

/**
 * The URL the EHR frame opens: for an EHR launch, the app's launch URI with `iss` and a launch minted as the RPC
 * mints it; for a standalone one, with `iss` only (the app then signs in and, for a provider, picks a patient).
 */
export async function launchUrl(plan: LaunchPlan, deps: MintLaunchDeps): Promise<string> {
  if (!isEhrLaunch(plan.launchType)) {
    const url = new URL(plan.app.launchUri);
    url.searchParams.set('iss', deps.fhirBaseUrl);
    return url.toString();
  }
  const minted = await mintLaunch(
    {
      client: plan.app.id,
      user: plan.user.id,
      ...(plan.patient !== undefined ? { patient: plan.patient } : {}),
      ...(plan.encounter !== undefined ? { encounter: plan.encounter } : {}),
      ...(plan.sim !== undefined ? { sim: plan.sim } : {}),
    },
    plan.app.launchUri,
    deps,
  );
  return minted.uri;
}
