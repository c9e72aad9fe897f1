import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, type AdminIssue } from '../../../auth/admin/admin-error.ts';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import { activityLine, ReviewProblem, type ReviewDecision } from '../../../auth/console/console-apps.ts';
import { isPublicClient, needsSecret, usesJwtAssertion } from '../../../auth/clients/client-kind.ts';
import { CLIENT_TYPES, type ClientType, type StoredClient } from '../../../auth/clients/client-repository.ts';
import { CLIENT_STANDINGS, type ClientCriteria, type ClientStanding } from '../../../auth/clients/client-search.ts';
import { DEFAULT_TENANT } from '../../../auth/tenants/tenant.ts';
import { renderAppEditPage, type EditProblem } from '../../../ui/console/app-edit-page.ts';
import { renderAppPage, type AppDetailView } from '../../../ui/console/app-page.ts';
import { consoleAppPath, consoleGrantRevokePath } from '../../../ui/console/app-paths.ts';
import { renderAppsPage, type AppFilterField, type AppFilterValues } from '../../../ui/console/apps-page.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { formField } from '../form-body.ts';
import { allowOwnScripts, siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';

const PAGE_SIZE = 20;
const GRANTS_PAGE_SIZE = 10;
/** Events shown under "Recent activity": the audit log has the rest. */
const ACTIVITY_LINES = 20;

/** What the `done` of a redirect after an action says at the top of the app's page. */
const DONE: Record<string, string> = {
  approved: 'Approved: anyone may now be authorized for it.',
  rejected: 'Rejected: the developer sees your note in the portal.',
  suspended: 'Suspended: its grants have ended and it can no longer be authorized.',
  reactivated: 'Reactivated: it may be authorized again (grants it had stay ended).',
  saved: 'Saved.',
  revoked: 'Grant revoked: its tokens no longer work.',
};

type IdParams = { Params: { id: string } };
type GrantParams = { Params: { id: string; grantId: string } };

/** The console's Apps section: /admin/apps and /admin/apps/{id} with its forms. */
export function appsRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const apps = () => ctx.options.apps;
  const site = (request: FastifyRequest) => siteOf(request);

  app.get<{ Querystring: Record<string, string | string[] | undefined> }>(CONSOLE_PATHS.apps, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query;
    const field = (name: string) => {
      const value = query[name];
      return typeof value === 'string' ? value.trim() : '';
    };
    const everyTenant = admin.tenant === undefined;
    const filters: AppFilterValues = { name: field('name'), type: field('type'), status: field('status'), tenant: everyTenant ? field('tenant') : '', developer: field('developer') };
    const problems: Partial<Record<AppFilterField, string>> = {};
    if (filters.type && !(CLIENT_TYPES as readonly string[]).includes(filters.type)) problems.type = `Not a type of app: choose one of ${CLIENT_TYPES.join(', ')}`;
    if (filters.status && !(CLIENT_STANDINGS as readonly string[]).includes(filters.status)) problems.status = `Not a status: choose one of ${CLIENT_STANDINGS.join(', ')}`;
    const page = pageNumber(field('page'));
    const criteria: ClientCriteria = {
      ...(filters.name ? { nameContains: filters.name } : {}),
      ...(filters.type && !problems.type ? { type: filters.type as ClientType } : {}),
      ...(filters.status && !problems.status ? { standing: filters.status as ClientStanding } : {}),
      ...(filters.tenant ? { tenant: filters.tenant } : {}),
      ...(filters.developer ? { developer: filters.developer } : {}),
    };
    const bad = Object.keys(problems).length > 0;
    const [found, awaitingReview] = await Promise.all([
      bad ? Promise.resolve({ resources: [], total: 0 }) : apps().search(criteria, { count: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      apps().awaitingReview(),
    ]);
    const kept = Object.entries(filters).filter(([, value]) => value !== '');
    const pageHref = (n: number) => `${pagePath(site(request), CONSOLE_PATHS.apps)}?${new URLSearchParams([...kept, ['page', String(n)]]).toString()}`;
    return ctx.page(
      reply,
      bad ? 400 : 200,
      renderAppsPage({
        frame: ctx.frame(request, reply, admin, 'apps'),
        rows: found.resources.map((c) => ({
          id: c.id ?? '',
          name: c.name || (c.id ?? ''),
          type: c.type ?? 'client',
          status: c.status ?? 'approved',
          active: c.active !== false,
          tenant: c.meta?._tenant ?? DEFAULT_TENANT,
          ...(ownerId(c.owner) ? { owner: ownerId(c.owner) } : {}),
        })),
        window: { page, pageSize: PAGE_SIZE, total: found.total },
        pageHref,
        filters,
        problems,
        types: CLIENT_TYPES,
        statuses: CLIENT_STANDINGS,
        showTenant: everyTenant,
        awaitingReview,
      }),
    );
  });

  /** The app's page: its details, forms, grants and activity; `extra` what this response adds. */
  async function detailPage(
    request: FastifyRequest,
    reply: FastifyReply,
    admin: ConsoleAdmin,
    client: StoredClient,
    status: number,
    extra: { secret?: string; notice?: string; error?: string; reviewNote?: string; reviewError?: string } = {},
  ): Promise<FastifyReply> {
    const id = client.id;
    const asked = (request.query as Record<string, unknown> | undefined)?.grants_page;
    const grantsPage = pageNumber(typeof asked === 'string' ? asked : '');
    const [grants, events, developer] = await Promise.all([
      apps().grants(id, { count: GRANTS_PAGE_SIZE, offset: (grantsPage - 1) * GRANTS_PAGE_SIZE }),
      apps().activity(id, ACTIVITY_LINES),
      developerOf(client),
    ]);
    if (extra.secret !== undefined) allowOwnScripts(request);
    const base = pagePath(site(request), consoleAppPath(id));
    return ctx.page(
      reply,
      status,
      renderAppPage({
        frame: ctx.frame(request, reply, admin, 'apps'),
        app: detailView(client, developer),
        version: client.meta.versionId,
        grants: grants.grants.map(({ grant, createdAt }) => ({
          id: grant.id,
          ...(grant.userId !== undefined ? { user: grant.userId } : {}),
          scope: grant.scope,
          ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
          grantedAt: createdAt,
        })),
        grantsWindow: { page: grantsPage, pageSize: GRANTS_PAGE_SIZE, total: grants.total },
        grantsHref: (n) => `${base}?grants_page=${n}`,
        activity: events.map(activityLine),
        ...extra,
      }),
    );
  }

  /** The owner's id and email (when this console sees the User). */
  async function developerOf(client: StoredClient): Promise<{ id: string; email?: string } | undefined> {
    const id = ownerId(client.owner);
    if (!id) return undefined;
    try {
      const user = await ctx.options.registry.read('User', id);
      return { id, ...(typeof user.email === 'string' ? { email: user.email } : {}) };
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return { id };
      throw err;
    }
  }

  /** The administrator and the app, or undefined once the refusal or the 404 is sent. */
  async function admittedWithApp(request: FastifyRequest<IdParams>, reply: FastifyReply): Promise<{ admin: ConsoleAdmin; client: StoredClient } | undefined> {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return undefined;
    const client = await apps().get(request.params.id);
    if (!client) {
      await ctx.notFound(request, reply, admin, 'apps', 'There is no such app here.');
      return undefined;
    }
    return { admin, client };
  }

  /** An admin service's refusal on the app's page (its status); a 404 (deleted meanwhile) as not found. */
  async function refused(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, client: StoredClient, err: unknown): Promise<FastifyReply> {
    if (!(err instanceof AdminError)) throw err;
    if (err.status === 404) return ctx.notFound(request, reply, admin, 'apps', 'There is no such app here.');
    return detailPage(request, reply, admin, client, err.status, { error: err.issues.map((i) => i.diagnostics).join('; ') || err.message });
  }

  const done = (request: FastifyRequest, reply: FastifyReply, id: string, what: keyof typeof DONE) =>
    reply.code(303).header('location', `${pagePath(site(request), consoleAppPath(id))}?done=${what}`).send();

  app.get<IdParams & { Querystring: { done?: string } }>(`${CONSOLE_PATHS.apps}/:id`, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const notice = typeof request.query.done === 'string' ? DONE[request.query.done] : undefined;
    return detailPage(request, reply, found.admin, found.client, 200, notice ? { notice } : {});
  });

  app.post<IdParams>(`${CONSOLE_PATHS.apps}/:id/review`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    const decision = formField(request.body, 'decision');
    const note = formField(request.body, 'note');
    if (decision !== 'approve' && decision !== 'reject') return detailPage(request, reply, admin, client, 400, { error: 'Choose Approve or Reject.', reviewNote: note });
    try {
      await apps().review(client.id, decision satisfies ReviewDecision, note, formField(request.body, 'version'), admin.caller);
    } catch (err) {
      if (err instanceof ReviewProblem) return detailPage(request, reply, admin, client, 422, { reviewNote: note, reviewError: err.message });
      return refused(request, reply, admin, client, err);
    }
    return done(request, reply, client.id, decision === 'approve' ? 'approved' : 'rejected');
  });

  app.post<IdParams>(`${CONSOLE_PATHS.apps}/:id/active`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    const active = formField(request.body, 'active');
    if (active !== 'true' && active !== 'false') return detailPage(request, reply, admin, client, 400, { error: 'Suspend or reactivate: nothing else.' });
    if (active === 'false' && formField(request.body, 'confirm') !== 'yes') {
      return ctx.askFirst(request, reply, admin, 'apps', {
        title: `Suspend ${client.name || client.id}?`,
        message: 'Every grant of this app ends at once: its access and refresh tokens stop working, and no one can authorize it until it is reactivated. Reactivating does not bring the grants back.',
        action: consoleAppPath(client.id, 'active'),
        fields: { active: 'false' },
        confirmLabel: 'Suspend the app',
        cancelHref: consoleAppPath(client.id),
      });
    }
    try {
      await apps().setActive(client.id, active === 'true', admin.caller);
    } catch (err) {
      return refused(request, reply, admin, client, err);
    }
    return done(request, reply, client.id, active === 'true' ? 'reactivated' : 'suspended');
  });

  app.get<IdParams>(`${CONSOLE_PATHS.apps}/:id/edit`, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    return ctx.page(reply, 200, renderAppEditPage({ frame: ctx.frame(request, reply, admin, 'apps'), id: client.id, version: client.meta.versionId, name: client.name || client.id, body: JSON.stringify(client, null, 2), problems: [] }));
  });

  app.post<IdParams>(`${CONSOLE_PATHS.apps}/:id/edit`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    const text = formField(request.body, 'body');
    const again = (status: number, problems: EditProblem[]) =>
      ctx.page(reply, status, renderAppEditPage({ frame: ctx.frame(request, reply, admin, 'apps'), id: client.id, version: formField(request.body, 'version'), name: client.name || client.id, body: text, problems }));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      // RFC 9110 §15.5.21: the request is understood; its content cannot be processed.
      return again(422, [{ message: `Not JSON: ${(err as Error).message}` }]);
    }
    try {
      await apps().replace(client.id, body, formField(request.body, 'version'), admin.caller);
    } catch (err) {
      if (!(err instanceof AdminError) || err.status === 404) return refused(request, reply, admin, client, err);
      return again(err.status, err.issues.map(editProblem));
    }
    return done(request, reply, client.id, 'saved');
  });

  app.post<IdParams>(`${CONSOLE_PATHS.apps}/:id/rotate-secret`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    if (formField(request.body, 'confirm') !== 'yes') {
      return ctx.askFirst(request, reply, admin, 'apps', {
        title: `Rotate the secret of ${client.name || client.id}?`,
        message: 'A new secret is made and shown once; the current one stops working at once, so the app fails to authenticate until it is given the new one.',
        action: consoleAppPath(client.id, 'rotate-secret'),
        confirmLabel: 'Rotate the secret',
        cancelHref: consoleAppPath(client.id),
      });
    }
    let rotated: Awaited<ReturnType<ReturnType<typeof apps>['rotateSecret']>>;
    try {
      rotated = await apps().rotateSecret(client.id, admin.caller);
    } catch (err) {
      return refused(request, reply, admin, client, err);
    }
    // Never cached, never sent again: the page is its only copy.
    return detailPage(request, reply, admin, rotated.client, 200, { secret: rotated.secret, notice: 'Secret rotated.' });
  });

  app.post<GrantParams>(`${CONSOLE_PATHS.apps}/:id/grants/:grantId/revoke`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithApp(request, reply);
    if (!found) return reply;
    const { admin, client } = found;
    const { grantId } = request.params;
    if (formField(request.body, 'confirm') !== 'yes') {
      return ctx.askFirst(request, reply, admin, 'apps', {
        title: 'Revoke this grant?',
        message: `Every access and refresh token of this grant of ${client.name || client.id} stops working at once; the user must authorize the app again.`,
        action: consoleGrantRevokePath(client.id, grantId),
        confirmLabel: 'Revoke the grant',
        cancelHref: consoleAppPath(client.id),
      });
    }
    const outcome = await apps().revokeGrant(client.id, grantId, admin.caller);
    if (outcome === 'not-found') return ctx.notFound(request, reply, admin, 'apps', 'This app has no such grant.');
    return done(request, reply, client.id, 'revoked');
  });
}

/** An admin API issue beside its field; its diagnostics repeat the field's path, which the page shows once. */
function editProblem(issue: AdminIssue): EditProblem {
  const field = issue.expression?.[0];
  if (!field) return { message: issue.diagnostics };
  return { field, message: issue.diagnostics.startsWith(`${field}: `) ? issue.diagnostics.slice(field.length + 2) : issue.diagnostics };
}

/** The User id of an `owner` reference (`User/<id>`). */
function ownerId(owner: unknown): string | undefined {
  return typeof owner === 'string' && owner.startsWith('User/') ? owner.slice('User/'.length) : undefined;
}

/** `?page=n`: a positive whole number, else the first page. */
function pageNumber(text: string): number {
  return /^[1-9][0-9]{0,6}$/.test(text) ? Number(text) : 1;
}

function detailView(client: StoredClient, developer: { id: string; email?: string } | undefined): AppDetailView {
  const code = client.auth?.authorization_code;
  const redirectUris = [...(code?.redirect_uri !== undefined ? [code.redirect_uri] : []), ...(code?.redirect_uris ?? [])];
  const methods: string[] = [];
  if (isPublicClient(client)) methods.push('public client: PKCE, no secret');
  else if (needsSecret(client)) methods.push('client secret (client_secret_basic or client_secret_post)');
  if (usesJwtAssertion(client)) methods.push(`private_key_jwt (RFC 7523), keys ${client.jwks_uri !== undefined ? `at ${client.jwks_uri}` : client.jwks ? 'registered' : 'missing'}`);
  return {
    id: client.id,
    name: client.name || client.id,
    ...(client.description ? { description: client.description } : {}),
    type: client.type ?? 'client',
    status: client.status ?? 'approved',
    active: client.active !== false,
    tenant: client.meta._tenant ?? DEFAULT_TENANT,
    ...(developer ? { developer } : {}),
    redirectUris: [...new Set(redirectUris)],
    scopes: client.scope ?? [],
    grantTypes: client.grant_types ?? [],
    authMethods: methods.length ? methods : ['none configured'],
    hasSecret: !isPublicClient(client) && needsSecret(client),
    ...(client.review ? { review: client.review } : {}),
  };
}
