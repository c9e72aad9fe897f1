import type { FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { consoleAdmission, type ConsoleAdmin, type SecondFactorGate } from '../../../auth/console/console-admission.ts';
import type { SecondFactor } from '../../../auth/mfa/second-factor.ts';
import type { CurrentSession } from '../../../auth/sessions/session-service.ts';
import type { RegistryAdmin } from '../../../auth/admin/registry-admin.ts';
import type { ConsoleApps } from '../../../auth/console/console-apps.ts';
import type { ConsoleAudit } from '../../../auth/console/console-audit.ts';
import { ENDPOINTS } from '../../../endpoints.ts';
import { renderMessagePage } from '../../../ui/message-page.ts';
import { pagePath } from '../../../ui/page-site.ts';
import type { ConsoleFrame } from '../../../ui/console/console-layout.ts';
import { CONSOLE_PATHS, type ConsoleSectionId } from '../../../ui/console/console-paths.ts';
import { consoleMessagePage } from '../../../ui/console/console-message-page.ts';
import { renderConfirmPage } from '../../../ui/console/confirm-page.ts';
import { formField } from '../form-body.ts';
import { displayName } from '../login-routes.ts';
import { siteOf } from '../page-site-of.ts';
import { readCurrentSession } from '../session-cookie.ts';
import type { UiPluginOptions } from '../ui-plugin.ts';
import type { DashboardDeps } from './dashboard-routes.ts';
import type { UsersDeps } from './users-routes.ts';
import type { OpsDeps } from './ops-deps.ts';
import type { PoliciesDeps } from './policies-routes.ts';
import type { IdentityProvidersDeps } from './identity-providers-routes.ts';

/** What the admin console runs on: the same services as the admin API, scoped to what this console administers. */
export interface ConsoleOptions {
  /** The tenant whose console this is; undefined: the deployment's (the root URLs), over every tenant. */
  tenant: string | undefined;
  /** The admin API's own operations on Clients, Users, AccessPolicies, IdentityProviders (and Tenants at the root). */
  registry: RegistryAdmin;
  /** The administrators' second factor: whether they presented it, enrolling and presenting it; absent: never asked. */
  secondFactor?: SecondFactor;
  dashboard: DashboardDeps;
  /** The Users section: search, invitations and set-password links, unlock, the fhirUser search. */
  users: UsersDeps;
  /** Keys, sessions and grants, bulk exports. */
  ops: OpsDeps;
  /** Access policies: the editor's limits, the global policies (at a tenant), the tester. */
  policies: PoliciesDeps;
  /** Identity providers: the editor's limits (their changes are the registry's). */
  identityProviders: IdentityProvidersDeps;
  /** The Apps section: Clients found, reviewed, suspended, edited, their secrets, grants and activity. */
  apps: ConsoleApps;
  /** The audit log section: this console's tenant's events (the root's: every tenant's) and the chains' verification. */
  audit: ConsoleAudit;
}

/** What every section's routes share: who is let in, the CSRF-guarded form options, the page frame. */
export interface ConsoleContext {
  options: ConsoleOptions;
  ui: UiPluginOptions;
  /** The administrator of this request, or undefined once the refusal (sign in, second factor, 403) is sent. */
  admitted(request: FastifyRequest, reply: FastifyReply): Promise<ConsoleAdmin | undefined>;
  /** The same before the second factor (its own pages): a signed-in administrator and their session, whatever its standing. */
  signedInAdmin(request: FastifyRequest, reply: FastifyReply): Promise<{ admin: ConsoleAdmin; current: CurrentSession } | undefined>;
  /** Route options of every form POST: same-origin check, then the CSRF token. */
  guarded: RouteShorthandOptions;
  /** The frame of a console page of `section`, with a fresh CSRF token. */
  frame(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, section?: ConsoleSectionId): ConsoleFrame;
  /** Sends an HTML page. */
  page(reply: FastifyReply, status: number, body: string): FastifyReply;
  /**
   * Unless the form says `confirm=yes`: answers with a page asking first (its form posts to `ask.action` with
   * `confirm=yes` and `ask.fields`; paths below the site) and returns that reply. Undefined once confirmed.
   */
  askFirst(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, section: ConsoleSectionId, ask: ConsoleQuestion): FastifyReply | undefined;
  /** A 404 page inside the console ("no such app"), with a link back to the section. */
  notFound(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, section: ConsoleSectionId, what: string): FastifyReply;
}

/** What a confirmation page asks: paths below the site (`pagePath` is applied). */
export interface ConsoleQuestion {
  title: string;
  message: string;
  action: string;
  fields?: Record<string, string>;
  confirmLabel: string;
  cancelHref: string;
}

const NO_SECOND_FACTOR: SecondFactorGate = { standing: async () => 'satisfied' };

export function consoleContext(ui: UiPluginOptions, options: ConsoleOptions, guarded: RouteShorthandOptions): ConsoleContext {
  const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const frame: ConsoleContext['frame'] = (request, reply, admin, section) => ({
    site: siteOf(request),
    ...(section ? { section } : {}),
    adminName: displayName(admin.user),
    scope: admin.tenant === undefined ? 'every tenant' : `tenant ${admin.tenant}`,
    csrfToken: reply.generateCsrf(),
  });
  return {
    options,
    ui,
    guarded,
    page,
    frame,
    async admitted(request, reply) {
      return (await admit(request, reply, options.secondFactor ?? NO_SECOND_FACTOR))?.admin;
    },
    signedInAdmin: (request, reply) => admit(request, reply, NO_SECOND_FACTOR),
    askFirst(request, reply, admin, section, ask) {
      if (formField(request.body, 'confirm') === 'yes') return undefined;
      const f = frame(request, reply, admin, section);
      return page(reply, 200, renderConfirmPage(f, { ...ask, action: pagePath(f.site, ask.action), cancelHref: pagePath(f.site, ask.cancelHref) }));
    },
    notFound(request, reply, admin, section, what) {
      const f = frame(request, reply, admin, section);
      return page(reply, 404, consoleMessagePage(f, 'Not found', what));
    },
  };

  async function admit(request: FastifyRequest, reply: FastifyReply, secondFactor: SecondFactorGate): Promise<{ admin: ConsoleAdmin; current: CurrentSession } | undefined> {
    const site = siteOf(request);
    const current = await readCurrentSession(request, ui.sessions, ui.cookies);
    const admission = await consoleAdmission(current, { tenant: options.tenant, address: request.ip, secondFactor });
    if (admission.admitted) return current && { admin: admission.admin, current };
    switch (admission.refusal) {
      case 'sign-in': {
        // Back here after signing in (a GET of this page; after a form POST, the dashboard).
        const back = request.method === 'GET' ? request.url : pagePath(site, CONSOLE_PATHS.home);
        await reply.code(303).header('location', `${pagePath(site, ENDPOINTS.login.path)}?${new URLSearchParams({ return_to: back }).toString()}`).send();
        return undefined;
      }
      case 'second-factor':
      case 'enrol-second-factor': {
        const back = request.method === 'GET' ? request.url : pagePath(site, CONSOLE_PATHS.home);
        await reply.code(303).header('location', `${pagePath(site, CONSOLE_PATHS.secondFactor)}?${new URLSearchParams({ return_to: back }).toString()}`).send();
        return undefined;
      }
      case 'not-administrator':
        await page(
          reply,
          403,
          renderMessagePage({
            title: 'Administrators only',
            message: 'The admin console is for administrators of this server. Sign out and sign in with an administrator account.',
            link: { href: pagePath(site, ENDPOINTS.logout.path), text: 'Sign out' },
            site,
          }),
        );
        return undefined;
    }
  }
}
