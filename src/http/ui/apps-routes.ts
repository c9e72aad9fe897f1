import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthorizedApp, AuthorizedApps } from '../../auth/grants/authorized-apps.ts';
import type { AccountActivity, AccountHistory, NamedAppAccess } from '../../auth/audit/account-history.ts';
import { APPS_PAGE_PATH, APPS_REVOKE_PATH, renderAppsPage, type AppsPageApp, type AppsPageModel } from '../../ui/apps-page.ts';
import type { AppsPageActivity } from '../../ui/app-activity.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { crossSiteGuard } from './cross-site-guard.ts';
import { formField } from './form-body.ts';
import { displayName } from './login-routes.ts';
import { scopeLine } from './scope-lines.ts';
import { patientUserOf } from '../../auth/access/patient-user.ts';
import type { RecordReader } from '../../auth/scopes/index.ts';
import { readCurrentSession } from './session-cookie.ts';
import type { UiPluginOptions } from './ui-plugin.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { siteOf } from './page-site-of.ts';

const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

/** Not signed in: to the sign-in page, which comes back here. */
const toSignIn = (reply: FastifyReply, site: PageSite) =>
  reply.code(303).header('location', `${pagePath(site, ENDPOINTS.login.path)}?${new URLSearchParams({ return_to: pagePath(site, APPS_PAGE_PATH) }).toString()}`).send();

/** An authorization as the page lists it: its scopes in plain words, about the reader's own record or a patient's. */
function appView(app: AuthorizedApp, reader: RecordReader): AppsPageApp {
  return {
    grantId: app.grantId,
    clientId: app.clientId,
    clientName: app.clientName,
    debugMinted: app.debugMinted,
    scopes: app.scopes.map((scope) => scopeLine(scope, reader)),
    grantedAt: app.grantedAt,
    ...(app.patient ? { patient: { id: app.patient.id, name: app.patient.name } } : {}),
  };
}

/** An app's requests as the page lists them (the store has already left out other patients' ids). */
const activityView = (app: NamedAppAccess): AppsPageActivity => ({
  clientId: app.clientId,
  clientName: app.clientName,
  lastAccess: app.lastAccess,
  reads: app.reads,
  requests: app.events,
});

/** The history's part of the page: apps' activity for a patient user, sign-ins for anyone. */
function historyView(activity: AccountActivity): Pick<AppsPageModel, 'activity' | 'signIns'> {
  return {
    ...(activity.apps ? { activity: { days: activity.appDays, apps: activity.apps.map(activityView) } } : {}),
    signIns: { days: activity.signInDays, entries: activity.signIns },
  };
}

/**
 * GET /auth/apps (the SMART `management_endpoint`): the signed-in user's authorized apps; POST
 * /auth/apps/revoke revokes one of them (same CSRF protection as the sign-in form), then 303 back.
 */
export function appsRoutes(app: FastifyInstance, options: UiPluginOptions, apps: AuthorizedApps, history?: AccountHistory): void {
  const guarded = { preHandler: [crossSiteGuard(options.origin), app.csrfProtection] };

  app.get<{ Querystring: { revoked?: unknown } }>(APPS_PAGE_PATH, async (request, reply) => {
    const site = siteOf(request);
    const current = await readCurrentSession(request, options.sessions, options.cookies);
    if (!current) return toSignIn(reply, site);
    const [list, activity] = await Promise.all([
      apps.list(current.user.id),
      history?.forUser({ id: current.user.id, ...(current.user.fhirUser !== undefined ? { fhirUser: current.user.fhirUser } : {}) }),
    ]);
    // A patient's apps read their own record; a practitioner's read their patients'.
    const reader: RecordReader = patientUserOf(current.user.fhirUser) !== undefined ? 'own' : 'patient';
    // The confirmation names the app from the user's own revoked grant, never from the URL's text.
    const revokedGrant = request.query.revoked;
    const revoked = typeof revokedGrant === 'string' && revokedGrant !== '' ? await apps.revokedAppName(current.user.id, revokedGrant) : undefined;
    return page(reply, 200, renderAppsPage({ userName: displayName(current.user), csrfToken: reply.generateCsrf(), apps: list.map((listed) => appView(listed, reader)), ...(activity ? historyView(activity) : {}), site, ...(revoked !== undefined ? { revoked } : {}) }));
  });

  app.post(APPS_REVOKE_PATH, guarded, async (request, reply) => {
    const site = siteOf(request);
    const current = await readCurrentSession(request, options.sessions, options.cookies);
    if (!current) return toSignIn(reply, site);
    const grantId = formField(request.body, 'grant');
    const outcome = grantId === '' ? 'not-found' : await apps.revoke(current.user.id, grantId);
    if (outcome === 'not-found') {
      // Unknown and someone else's look the same: nothing revoked, nothing told.
      return page(reply, 404, renderMessagePage({ title: 'Not found', message: 'You have no such app authorization.', link: { href: pagePath(site, APPS_PAGE_PATH), text: 'Back to your apps' }, site }));
    }
    // RFC 9110 §15.4.4: after a form POST, 303 makes the browser GET the page, which confirms the revocation.
    return reply.code(303).header('location', `${pagePath(site, APPS_PAGE_PATH)}?${new URLSearchParams({ revoked: grantId }).toString()}`).send();
  });
}
