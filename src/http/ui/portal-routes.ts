import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEVELOPER_ROLE } from '../../auth/admin/admin-access.ts';
import { isPublicClient, needsSecret } from '../../auth/clients/client-kind.ts';
import { ApplicationError, APPLICATION_TYPES, type ApplicationInput, type ApplicationType } from '../../auth/developer/application-input.ts';
import { scopesFor } from '../../auth/developer/application-scopes.ts';
import type { DeveloperApp, DeveloperApps } from '../../auth/developer/developer-apps.ts';
import type { SignupInput, SignupResult } from '../../auth/developer/developer-signup.ts';
import type { RequestOrigin } from '../../auth/audit/registry-events.ts';
import type { StoredUser } from '../../auth/users/user.ts';
import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { renderAppFormPage, type AppFormField, type AppFormValues, type ScopeGroup } from '../../ui/portal/app-form-page.ts';
import { renderConfirmDeletePage } from '../../ui/portal/confirm-delete-page.ts';
import { PORTAL_PATHS } from '../../ui/portal/portal-paths.ts';
import { renderPortalAppPage, type PortalAppView } from '../../ui/portal/portal-app-page.ts';
import { renderPortalAppsPage, type IssuedRegistrationToken } from '../../ui/portal/portal-apps-page.ts';
import { renderSignupPage } from '../../ui/portal/signup-page.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { crossSiteGuard } from './cross-site-guard.ts';
import { formField, type FormBody } from './form-body.ts';
import { displayName } from './login-routes.ts';
import { siteOf, allowOwnScripts } from './page-site-of.ts';
import { readCurrentSession } from './session-cookie.ts';
import type { UiPluginOptions } from './ui-plugin.ts';
import { scopeLine } from './scope-lines.ts';

/** What the developer portal runs on. */
export interface PortalOptions {
  apps: DeveloperApps;
  /** `origin`: where the sign-up came from, recorded with the User it creates. */
  signUp: (input: SignupInput, origin: RequestOrigin) => Promise<SignupResult>;
  /** Anyone may sign up (sandbox mode, or DEVELOPER_SIGNUP=open). */
  signupOpen: boolean;
  /** An initial access token (RFC 7591 §3) for this developer. */
  issueRegistrationToken: (userId: string) => Promise<{ token: string; expires_at: number }>;
  /** This issuer's RFC 7591 registration endpoint, for the curl example. */
  registrationUrl: string;
  /** Sandbox mode: apps are approved as saved, there is no review. */
  sandbox: boolean;
}

const TYPE_LABELS: Record<ApplicationType, string> = {
  'patient-facing-smart-app': 'Patient-facing SMART app',
  'provider-facing-smart-app': 'Provider-facing SMART app (EHR launch)',
  'bulk-api-client': 'Backend service (Bulk Data, client_credentials)',
};

const SCOPE_GROUPS: readonly ScopeGroup[] = [
  { legend: 'Scopes for a patient-facing app', hint: 'Patient-facing SMART apps.', scopes: scopesFor('patient-facing-smart-app').map((scope) => scopeLine(scope)) },
  { legend: 'Further scopes for a provider-facing app', hint: 'Provider-facing SMART apps only.', scopes: scopesFor('provider-facing-smart-app').filter((s) => !scopesFor('patient-facing-smart-app').includes(s)).map((scope) => scopeLine(scope, 'patient')) },
  { legend: 'Scopes for a backend service', hint: 'Backend services only.', scopes: scopesFor('bulk-api-client').map((scope) => scopeLine(scope)) },
];

const EMPTY_FORM: AppFormValues = {
  name: '', description: '', type: 'patient-facing-smart-app', confidentiality: 'confidential', redirectUris: '', launchUri: '', scopes: [],
  logoUrl: '', orgName: '', orgUrl: '', policyUrl: '', tosUrl: '', jwksUri: '', jwks: '',
};

const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

type IdParams = { Params: { id: string } };

/**
 * The developer portal: sign-up, a developer's apps (register, edit, delete, rotate the secret, submit for
 * review) and initial access tokens. A signed-in User with the role `developer` only; another developer's app
 * is answered 404, as an unknown one.
 */
export function portalRoutes(app: FastifyInstance, options: UiPluginOptions, portal: PortalOptions): void {
  const guarded = { preHandler: [crossSiteGuard(options.origin), app.csrfProtection] };

  /** The signed-in developer, or the reply already sent (to sign in, or refused). */
  async function developer(request: FastifyRequest, reply: FastifyReply): Promise<StoredUser | undefined> {
    const site = siteOf(request);
    const current = await readCurrentSession(request, options.sessions, options.cookies);
    if (!current) {
      // Back here after sign-in (a GET of this page; after a form POST, the apps list).
      const back = request.method === 'GET' ? request.url : pagePath(site, PORTAL_PATHS.apps);
      await reply.code(303).header('location', `${pagePath(site, ENDPOINTS.login.path)}?${new URLSearchParams({ return_to: back }).toString()}`).send();
      return undefined;
    }
    if (!current.user.roles?.includes(DEVELOPER_ROLE)) {
      await page(reply, 403, renderMessagePage({ title: 'Not a developer account', message: 'The developer portal is for developer accounts. Sign out and sign up as a developer, or ask the operator of this server.', link: { href: pagePath(site, ENDPOINTS.logout.path), text: 'Sign out' }, site }));
      return undefined;
    }
    return current.user;
  }

  const notFound = (reply: FastifyReply, site: PageSite) =>
    page(reply, 404, renderMessagePage({ title: 'Not found', message: 'You have no such app.', link: { href: pagePath(site, PORTAL_PATHS.apps), text: 'Your apps' }, site }));
  const owner = (user: StoredUser) => `User/${user.id}`;
  /** The developer and the address the request came from: who an app's change is recorded as made by. */
  const actor = (user: StoredUser, request: FastifyRequest): AuditActor => ({ userId: user.id, ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}), address: request.ip });

  const appPage = (reply: FastifyReply, request: FastifyRequest, status: number, found: DeveloperApp, extra: { secret?: string; notice?: string } = {}) => {
    // Its client id (and a new secret) have copy buttons.
    allowOwnScripts(request);
    return page(
      reply,
      status,
      renderPortalAppPage({
        csrfToken: reply.generateCsrf(),
        app: appView(found),
        ...extra,
        canSubmit: !portal.sandbox && (found.status === 'draft' || found.status === 'rejected'),
        statusHelp: statusHelp(found.status, portal.sandbox),
        site: siteOf(request),
      }),
    );
  };
  const formPage = (reply: FastifyReply, request: FastifyRequest, status: number, values: AppFormValues, errors: Partial<Record<AppFormField, string>>, appId?: string) =>
    page(
      reply,
      status,
      renderAppFormPage({
        csrfToken: reply.generateCsrf(),
        values,
        errors,
        types: APPLICATION_TYPES.map((type) => ({ value: type, label: TYPE_LABELS[type] })),
        scopeGroups: SCOPE_GROUPS,
        ...(appId !== undefined ? { appId } : {}),
        ...(appId !== undefined && !portal.sandbox ? { reviewNotice: 'Saving changes sends the app back to draft: submit it for review again.' } : {}),
        site: siteOf(request),
      }),
    );
  const listPage = async (reply: FastifyReply, request: FastifyRequest, user: StoredUser, extra: { registrationToken?: IssuedRegistrationToken; deleted?: string } = {}) => {
    const apps = await portal.apps.list(owner(user));
    // A registration token just issued has copy buttons.
    if (extra.registrationToken) allowOwnScripts(request);
    return page(
      reply,
      200,
      renderPortalAppsPage({
        csrfToken: reply.generateCsrf(),
        developerName: displayName(user),
        apps: apps.map((a) => ({ id: a.id, name: a.name ?? a.id, type: TYPE_LABELS[a.type as ApplicationType] ?? a.type ?? 'client', status: a.status ?? 'approved' })),
        ...extra,
        site: siteOf(request),
      }),
    );
  };

  app.get(PORTAL_PATHS.home, async (request, reply) => reply.code(303).header('location', pagePath(siteOf(request), PORTAL_PATHS.apps)).send());

  const signupClosed = (reply: FastifyReply, site: PageSite) =>
    page(reply, 403, renderMessagePage({ title: 'Sign-up is closed', message: 'This server does not take developer sign-ups. Ask its operator for a developer account.', link: { href: pagePath(site, ENDPOINTS.login.path), text: 'Sign in' }, site }));

  app.get(PORTAL_PATHS.signup, async (request, reply) => {
    const site = siteOf(request);
    if (!portal.signupOpen) return signupClosed(reply, site);
    return page(reply, 200, renderSignupPage({ csrfToken: reply.generateCsrf(), site }));
  });

  app.post(PORTAL_PATHS.signup, guarded, async (request, reply) => {
    const site = siteOf(request);
    if (!portal.signupOpen) return signupClosed(reply, site);
    const input = { name: formField(request.body, 'name'), email: formField(request.body, 'email'), password: formField(request.body, 'password') };
    const result = await portal.signUp(input, { address: request.ip });
    if (result.outcome === 'refused') {
      return page(reply, 422, renderSignupPage({ csrfToken: reply.generateCsrf(), values: { name: input.name, email: input.email }, errors: result.problems, site }));
    }
    // Signed in the ordinary way, which comes back to the portal.
    return reply.code(303).header('location', `${pagePath(site, ENDPOINTS.login.path)}?${new URLSearchParams({ return_to: pagePath(site, PORTAL_PATHS.apps) }).toString()}`).send();
  });

  app.get(PORTAL_PATHS.apps, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    return listPage(reply, request, user);
  });

  app.post(PORTAL_PATHS.registrationToken, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const issued = await portal.issueRegistrationToken(user.id);
    return listPage(reply, request, user, { registrationToken: { token: issued.token, expiresAt: new Date(issued.expires_at * 1000), curl: registrationCurl(portal.registrationUrl, issued.token) } });
  });

  app.get(PORTAL_PATHS.newApp, async (request, reply) => {
    if (!(await developer(request, reply))) return reply;
    return formPage(reply, request, 200, EMPTY_FORM, {});
  });

  app.post(PORTAL_PATHS.newApp, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const values = formValues(request.body);
    const input = applicationInput(values);
    if ('problems' in input) return formPage(reply, request, 422, values, input.problems);
    try {
      const created = await portal.apps.create({ owner: owner(user) }, input, actor(user, request));
      return appPage(reply, request, 201, created.app, { ...(created.secret !== undefined ? { secret: created.secret } : {}), notice: `${created.app.name ?? 'The app'} is registered.` });
    } catch (err) {
      if (err instanceof ApplicationError) return formPage(reply, request, 422, values, err.problems);
      throw err;
    }
  });

  app.get<IdParams>(`${PORTAL_PATHS.apps}/:id`, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const found = await portal.apps.get(owner(user), request.params.id);
    return found ? appPage(reply, request, 200, found) : notFound(reply, siteOf(request));
  });

  app.get<IdParams>(`${PORTAL_PATHS.apps}/:id/edit`, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const found = await portal.apps.get(owner(user), request.params.id);
    return found ? formPage(reply, request, 200, valuesOf(found), {}, found.id) : notFound(reply, siteOf(request));
  });

  app.post<IdParams>(`${PORTAL_PATHS.apps}/:id/edit`, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const values = formValues(request.body);
    const input = applicationInput(values);
    if ('problems' in input) {
      if (!(await portal.apps.get(owner(user), request.params.id))) return notFound(reply, siteOf(request));
      return formPage(reply, request, 422, values, input.problems, request.params.id);
    }
    try {
      const saved = await portal.apps.update(owner(user), request.params.id, input, actor(user, request));
      return saved ? appPage(reply, request, 200, saved, { notice: 'Changes saved.' }) : notFound(reply, siteOf(request));
    } catch (err) {
      if (err instanceof ApplicationError) return formPage(reply, request, 422, values, err.problems, request.params.id);
      throw err;
    }
  });

  app.post<IdParams>(`${PORTAL_PATHS.apps}/:id/rotate-secret`, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const rotated = await portal.apps.rotateSecret(owner(user), request.params.id, actor(user, request));
    if (!rotated) return notFound(reply, siteOf(request));
    return appPage(reply, request, 200, rotated.app, { ...(rotated.secret !== undefined ? { secret: rotated.secret } : {}), notice: 'A new secret is issued; the old one no longer works.' });
  });

  app.post<IdParams>(`${PORTAL_PATHS.apps}/:id/submit`, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const submitted = await portal.apps.submit(owner(user), request.params.id, actor(user, request));
    return submitted ? appPage(reply, request, 200, submitted, { notice: 'Submitted for review.' }) : notFound(reply, siteOf(request));
  });

  // Deleting asks first: the form on the app page leads to a confirmation, whose own form says `confirm`.
  app.post<IdParams>(`${PORTAL_PATHS.apps}/:id/delete`, guarded, async (request, reply) => {
    const user = await developer(request, reply);
    if (!user) return reply;
    const site = siteOf(request);
    const found = await portal.apps.get(owner(user), request.params.id);
    if (!found) return notFound(reply, site);
    if (formField(request.body, 'confirm') !== 'yes') {
      return page(reply, 200, renderConfirmDeletePage({ csrfToken: reply.generateCsrf(), appId: found.id, appName: found.name ?? found.id, site }));
    }
    await portal.apps.remove(owner(user), found.id, actor(user, request));
    return listPage(reply, request, user, { deleted: found.name ?? found.id });
  });
}

/** What the status means for who may use the app. */
function statusHelp(status: string | undefined, sandbox: boolean): string {
  if (sandbox) return 'Sandbox: the app works at once for every user.';
  switch (status) {
    case 'draft':
      return 'Only you can authorize it, to test it. Submit it for review when it is ready.';
    case 'submitted':
      return 'Waiting for review. Until it is approved only you can authorize it.';
    case 'rejected':
      return 'Not approved: only you can authorize it. Change it and submit it again.';
    default:
      return 'Every user can authorize it.';
  }
}

function appView(app: DeveloperApp): PortalAppView {
  const code = app.auth?.authorization_code;
  return {
    id: app.id,
    name: app.name ?? app.id,
    ...(app.description ? { description: app.description } : {}),
    type: TYPE_LABELS[app.type as ApplicationType] ?? app.type ?? 'client',
    confidentiality: isPublicClient(app) ? 'public' : 'confidential',
    status: app.status ?? 'approved',
    redirectUris: [...(code?.redirect_uri ? [code.redirect_uri] : []), ...(code?.redirect_uris ?? [])],
    ...(app.smart?.launch_uri ? { launchUri: app.smart.launch_uri } : {}),
    scopes: app.scope ?? [],
    ...(app.jwks_uri ? { jwksUri: app.jwks_uri } : {}),
    hasJwks: app.jwks !== undefined,
    hasSecret: needsSecret(app),
    ...(app.review?.note ? { reviewNote: app.review.note } : {}),
    suspended: app.active === false,
  };
}

/** The form as the app is stored, to edit it. */
function valuesOf(app: DeveloperApp): AppFormValues {
  const code = app.auth?.authorization_code;
  const details = app.details ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    name: app.name ?? '',
    description: app.description ?? '',
    type: app.type ?? 'patient-facing-smart-app',
    confidentiality: isPublicClient(app) ? 'public' : 'confidential',
    redirectUris: [...(code?.redirect_uri ? [code.redirect_uri] : []), ...(code?.redirect_uris ?? [])].join('\n'),
    launchUri: app.smart?.launch_uri ?? '',
    scopes: app.scope ?? [],
    logoUrl: text(details['logo-uri']),
    orgName: text(details['org-name']),
    orgUrl: text(details['org-uri']),
    policyUrl: text(details['policy-uri']),
    tosUrl: text(details['tos-uri']),
    jwksUri: app.jwks_uri ?? '',
    jwks: app.jwks ? JSON.stringify(app.jwks, null, 2) : '',
  };
}

function formValues(body: unknown): AppFormValues {
  const raw = body && typeof body === 'object' ? (body as FormBody).scope : undefined;
  const scopes = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const field = (name: string) => formField(body, name);
  return {
    name: field('name'), description: field('description'), type: field('type'), confidentiality: field('confidentiality'), redirectUris: field('redirectUris'),
    launchUri: field('launchUri'), scopes, logoUrl: field('logoUrl'), orgName: field('orgName'), orgUrl: field('orgUrl'), policyUrl: field('policyUrl'),
    tosUrl: field('tosUrl'), jwksUri: field('jwksUri'), jwks: field('jwks'),
  };
}

/** The form as the service's input, or the problems only the form can have (a choice not made). */
function applicationInput(values: AppFormValues): ApplicationInput | { problems: Partial<Record<AppFormField, string>> } {
  const problems: Partial<Record<AppFormField, string>> = {};
  if (!(APPLICATION_TYPES as readonly string[]).includes(values.type)) problems.type = 'Choose the kind of app.';
  if (values.confidentiality !== 'public' && values.confidentiality !== 'confidential') problems.confidentiality = 'Choose confidential or public.';
  if (!values.name.trim()) problems.name = 'Enter the app name.';
  if (Object.keys(problems).length) return { problems };
  const optional = (value: string) => value.trim() || undefined;
  const input: ApplicationInput = {
    name: values.name.trim(),
    type: values.type as ApplicationType,
    confidentiality: values.confidentiality as 'public' | 'confidential',
    redirectUris: values.redirectUris.split(/\r?\n/).map((uri) => uri.trim()).filter(Boolean),
    scopes: [...new Set(values.scopes)],
  };
  const set = (key: 'description' | 'launchUri' | 'logoUrl' | 'orgName' | 'orgUrl' | 'policyUrl' | 'tosUrl' | 'jwksUri' | 'jwks', value: string) => {
    const v = optional(value);
    if (v !== undefined) input[key] = v;
  };
  set('description', values.description);
  set('launchUri', values.launchUri);
  set('logoUrl', values.logoUrl);
  set('orgName', values.orgName);
  set('orgUrl', values.orgUrl);
  set('policyUrl', values.policyUrl);
  set('tosUrl', values.tosUrl);
  set('jwksUri', values.jwksUri);
  set('jwks', values.jwks);
  return input;
}

/** An RFC 7591 §3.1 registration request with the token, as seed 001 shows it, for the shell (single-quoted). */
export function registrationCurl(registrationUrl: string, token: string): string {
  const body = JSON.stringify({ client_name: 'My App', redirect_uris: ['https://app.example.org/callback'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], scope: 'launch/patient openid fhirUser patient/*.rs' }, null, 2);
  return `curl -X POST '${registrationUrl}' \\\n  -H 'Authorization: Bearer ${token}' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '${body}'`;
}
