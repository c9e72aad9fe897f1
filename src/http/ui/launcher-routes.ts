import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PatientDirectory } from '../../auth/authorize/patient-directory.ts';
import { basicChallenge } from '../../auth/challenge.ts';
import { launcherAccess } from '../../auth/launch/launcher-access.ts';
import {
  checkLaunchForm,
  launcherApps,
  launchUrl,
  LAUNCH_TYPES,
  ownPatientOf,
  userKind,
  type LauncherDeps,
  type LauncherForm,
  type LauncherUser,
  type LaunchPlan,
} from '../../auth/launch/launcher.ts';
import { SIMULATED_ERRORS, SIMULATED_ERROR_EFFECTS } from '../../auth/launch/simulated-error.ts';
import type { RootClientCredentials } from '../../auth/root-client.ts';
import type { CurrentSession } from '../../auth/sessions/session-service.ts';
import { inspectToken, NotAJwt } from '../../auth/tokens/token-inspection.ts';
import type { TokenDeps } from '../../auth/tokens/token-deps.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { renderEhrFramePage } from '../../ui/ehr-frame-page.ts';
import { renderLauncherPage, type LauncherChoice, type LauncherFieldErrors, type LauncherValues } from '../../ui/launcher-page.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { renderTokenInspectorPage, type TokenInspectorResult } from '../../ui/token-inspector-page.ts';
import { crossSiteGuard } from './cross-site-guard.ts';
import { formField } from './form-body.ts';
import { displayName } from './login-routes.ts';
import { allowFrameOf, siteOf } from './page-site-of.ts';
import { clearCookie, csrfCookieName, readCurrentSession, sessionIdFrom, setSessionCookie } from './session-cookie.ts';
import type { UiPluginOptions } from './ui-plugin.ts';

/** A sandbox user the launcher signs in with their published password (as a simulated EHR login). */
export interface SandboxLauncherUser extends LauncherUser {
  email: string;
  password: string;
}

export interface LauncherPagesDeps {
  launcher: LauncherDeps;
  directory: PatientDirectory;
  /** The patient banner's facts: name, birth date, an identifier. */
  patientBanner(id: string): Promise<{ name?: string; birthDate?: string; identifier?: string } | undefined>;
  /** Sandbox mode: the demo users that exist now. Absent (production): the signed-in administrator only. */
  sandboxUsers?: () => Promise<readonly SandboxLauncherUser[]>;
  root: RootClientCredentials;
  /** Introspection as the token endpoint does it, for the token inspector. */
  tokens: TokenDeps;
}

const LAUNCHER = ENDPOINTS.launcher.path;
const LAUNCH = ENDPOINTS.launcherLaunch.path;
const INSPECT = ENDPOINTS.launcherInspect.path;
const MAX_FIELD = 256;
const LIST_SIZE = 20;

const LAUNCH_TYPE_LABELS: Record<(typeof LAUNCH_TYPES)[number], string> = {
  'ehr-provider': 'EHR launch, practitioner',
  'ehr-patient': 'EHR launch, patient (portal)',
  'standalone-patient': 'Standalone launch, patient',
  'standalone-provider': 'Standalone launch, practitioner',
};

const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

/**
 * GET/POST /launcher (the form, shown again for Search and Show encounters), POST /launcher/launch (the EHR
 * frame), GET/POST /launcher/inspect (the token inspector). The sandbox's are open; production's are an
 * administrator's (launcher-access.ts). The decisions are src/auth/launch's; this file translates.
 */
export function launcherRoutes(app: FastifyInstance, options: UiPluginOptions, deps: LauncherPagesDeps): void {
  const sandbox = deps.sandboxUsers !== undefined;
  const guarded = { preHandler: [crossSiteGuard(options.origin), app.csrfProtection] };

  /** The caller's access, or undefined once the refusal is sent. */
  const admitted = async (request: FastifyRequest, reply: FastifyReply): Promise<{ session?: CurrentSession } | undefined> => {
    const session = await readCurrentSession(request, options.sessions, options.cookies);
    const access = launcherAccess({ sandbox, authorization: request.headers.authorization, session, root: deps.root });
    if (access.allowed) return access;
    const site = siteOf(request);
    if (access.refusal === 'sign-in') {
      return void reply.code(303).header('location', `${ENDPOINTS.login.path}?return_to=${encodeURIComponent(LAUNCHER)}`).send();
    }
    if (access.refusal === 'credentials') {
      reply.header('www-authenticate', basicChallenge({ charset: 'UTF-8' }));
      return void page(reply, 401, renderMessagePage({ title: 'Not signed in', message: 'These credentials are not the administrator’s.', site }));
    }
    return void page(reply, 403, renderMessagePage({ title: 'Administrators only', message: 'The EHR launcher is for administrators of this server. Sign in as one.', site }));
  };

  const usersFor = async (session: CurrentSession | undefined): Promise<readonly LauncherUser[]> => {
    if (deps.sandboxUsers) return deps.sandboxUsers();
    if (!session) return [];
    const { user } = session;
    return [{ id: user.id, name: displayName(user), ...(user.email !== undefined ? { email: user.email } : {}), ...(user.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}) }];
  };

  const showForm = async (request: FastifyRequest, reply: FastifyReply, status: number, values: LauncherValues, session: CurrentSession | undefined, errors: LauncherFieldErrors = {}) => {
    const [apps, users] = await Promise.all([launcherApps(deps.launcher), usersFor(session)]);
    const patients = await patientChoices(values);
    const encounters = values.patient ? (await deps.directory.findEncounters(values.patient, LIST_SIZE)).map(encounterChoice) : undefined;
    const launchType = values.launchType || 'ehr-provider';
    // The first user the launch type fits (a practitioner for a provider launch), until one is chosen.
    const fitting = users.find((u) => userKind(u) === (launchType.endsWith('patient') ? 'patient' : 'provider')) ?? users[0];
    const filled: LauncherValues = { ...values, app: values.app || (apps[0]?.id ?? ''), launchType, user: values.user || (fitting?.id ?? '') };
    return page(
      reply,
      status,
      renderLauncherPage({
        site: siteOf(request),
        csrfToken: reply.generateCsrf(),
        action: LAUNCHER,
        launchAction: LAUNCH,
        inspectorHref: INSPECT,
        apps: apps.map((a) => ({ value: a.id, label: a.name, ...(a.name !== a.id ? { detail: a.id } : {}) })),
        launchTypes: LAUNCH_TYPES.map((type) => ({ value: type, label: LAUNCH_TYPE_LABELS[type], detail: type })),
        users: users.map((u) => ({ value: u.id, label: u.email ?? u.name, ...(u.fhirUser ? { detail: u.fhirUser } : {}) })),
        signInNote: sandbox
          ? 'Launch signs this sandbox user in with their published password, as the EHR’s own sign-in would.'
          : 'In production the launcher launches for you, the signed-in administrator.',
        patients,
        ...(encounters ? { encounters } : {}),
        ...(deps.launcher.simulatedErrors ? { simulatedErrors: SIMULATED_ERRORS.map((code) => ({ value: code, label: code, detail: SIMULATED_ERROR_EFFECTS[code] })) } : {}),
        values: filled,
        errors,
      }),
    );
  };

  /** The patients found for the search text, with the chosen one kept in the list. */
  const patientChoices = async (values: LauncherValues): Promise<LauncherChoice[]> => {
    const found = await deps.directory.findPatients(values.patientQuery, LIST_SIZE);
    const chosen = values.patient && !found.some((p) => p.id === values.patient) ? (await deps.directory.findPatients(values.patient, 1)).filter((p) => p.id === values.patient) : [];
    return [...chosen, ...found].map((p) => ({ value: p.id, label: p.name ?? 'Unnamed patient', detail: [p.birthDate ? `born ${p.birthDate}` : '', p.id].filter(Boolean).join(' · ') }));
  };

  app.get<{ Querystring: Record<string, unknown> }>(LAUNCHER, async (request, reply) => {
    const access = await admitted(request, reply);
    if (!access) return reply;
    return showForm(request, reply, 200, valuesOf(request.query), access.session);
  });

  app.post(LAUNCHER, guarded, async (request, reply) => {
    const access = await admitted(request, reply);
    if (!access) return reply;
    return showForm(request, reply, 200, valuesOf(request.body), access.session);
  });

  app.post(LAUNCH, guarded, async (request, reply) => {
    const access = await admitted(request, reply);
    if (!access) return reply;
    const values = valuesOf(request.body);
    const users = await usersFor(access.session);
    const checked = await checkLaunchForm(formOf(values), users, deps.launcher);
    if ('errors' in checked) return showForm(request, reply, 400, values, access.session, checked.errors);
    const { plan } = checked;

    if (deps.sandboxUsers) {
      // The EHR's sign-in, simulated with the sandbox user's published password through the real sign-in.
      const user = (await deps.sandboxUsers()).find((u) => u.id === plan.user.id);
      const signedIn = user ? await options.signIn({ email: user.email, password: user.password, clientIp: request.ip }) : undefined;
      if (signedIn?.outcome !== 'signed-in') return showForm(request, reply, 400, values, access.session, { user: 'This user cannot be signed in right now; try another.' });
      await options.sessions.end(sessionIdFrom(request, options.cookies));
      setSessionCookie(reply, signedIn.sessionId, options.cookies);
      clearCookie(reply, csrfCookieName(options.cookies), options.cookies);
    }
    const url = await launchUrl(plan, deps.launcher);
    allowFrameOf(request, url);
    return page(reply, 200, renderEhrFramePage({ site: siteOf(request), ...(await frameFacts(plan, deps)), url, launcherHref: LAUNCHER, inspectorHref: INSPECT }));
  });

  app.get(INSPECT, async (request, reply) => {
    const access = await admitted(request, reply);
    if (!access) return reply;
    return page(reply, 200, renderTokenInspectorPage({ site: siteOf(request), csrfToken: reply.generateCsrf(), action: INSPECT, launcherHref: LAUNCHER, token: '' }));
  });

  app.post(INSPECT, guarded, async (request, reply) => {
    const access = await admitted(request, reply);
    if (!access) return reply;
    const token = formField(request.body, 'token').slice(0, 20_000);
    const base = { site: siteOf(request), csrfToken: reply.generateCsrf(), action: INSPECT, launcherHref: LAUNCHER, token };
    if (!token.trim()) return page(reply, 400, renderTokenInspectorPage({ ...base, error: 'Paste a JWT to inspect.' }));
    try {
      const inspected = await inspectToken(token, deps.tokens);
      const result: TokenInspectorResult = {
        header: JSON.stringify(inspected.header, null, 2),
        payload: JSON.stringify(inspected.payload, null, 2),
        times: timeClaims(inspected.payload),
        signature: inspected.signature,
        active: inspected.introspection.active,
        introspection: JSON.stringify(inspected.introspection, null, 2),
      };
      return page(reply, 200, renderTokenInspectorPage({ ...base, result }));
    } catch (err) {
      if (err instanceof NotAJwt) return page(reply, 400, renderTokenInspectorPage({ ...base, error: err.message }));
      throw err;
    }
  });
}

/** The form's fields (from a query or a posted form), each cut to a sane length. */
function valuesOf(source: unknown): LauncherValues {
  const field = (name: string) => formField(source, name).trim().slice(0, MAX_FIELD);
  return { app: field('app'), launchType: field('launch_type'), user: field('user'), patient: field('patient'), encounter: field('encounter'), sim: field('sim'), patientQuery: field('patient_q') };
}

function formOf(values: LauncherValues): LauncherForm {
  return { app: values.app, launchType: values.launchType, user: values.user, patient: values.patient, encounter: values.encounter, sim: values.sim };
}

function encounterChoice(e: { id: string; date?: string; type?: string; status?: string }): LauncherChoice {
  return { value: e.id, label: [e.type ?? 'Encounter', e.date?.slice(0, 10)].filter(Boolean).join(' · '), detail: e.id };
}

/** What the EHR frame's banner shows of the plan: the patient's facts, the visit, who is signed in. */
async function frameFacts(plan: LaunchPlan, deps: LauncherPagesDeps) {
  const patientId = plan.patient ?? (plan.launchType === 'ehr-patient' ? ownPatientOf(plan.user) : undefined);
  const banner = patientId !== undefined ? await deps.patientBanner(patientId) : undefined;
  const encounter = plan.encounter !== undefined && patientId !== undefined ? (await deps.directory.findEncounters(patientId, 100)).find((e) => e.id === plan.encounter) : undefined;
  return {
    appName: plan.app.name,
    launchType: plan.launchType,
    ...(patientId !== undefined ? { patient: { id: patientId, ...(banner ?? {}) } } : {}),
    ...(plan.encounter !== undefined ? { encounter: { id: plan.encounter, ...(encounter ? { label: encounterChoice(encounter).label } : {}) } } : {}),
    user: { name: plan.user.email ?? plan.user.name, ...(plan.user.fhirUser ? { fhirUser: plan.user.fhirUser } : {}) },
    ...(plan.sim !== undefined ? { sim: plan.sim } : {}),
  };
}

const TIME_CLAIMS = ['iat', 'nbf', 'exp', 'auth_time'];

function timeClaims(payload: Record<string, unknown>): { claim: string; iso: string }[] {
  return TIME_CLAIMS.flatMap((claim) => {
    const value = payload[claim];
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 8.64e12) return [];
    return [{ claim, iso: new Date(value * 1000).toISOString() }];
  });
}
