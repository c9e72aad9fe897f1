import type { FastifyInstance } from 'fastify';
import { grantTenant } from '../../../auth/grants/grant.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { GRANT_REVOKE_PATH, renderSessionsPage, SESSION_END_PATH } from '../../../ui/console/sessions-page.ts';
import { formField } from '../form-body.ts';
import type { ConsoleContext } from './console-context.ts';
import { backTo, filterField, pageNumber, PAGE_SIZE, windowOf } from './ops-route-parts.ts';

const DONE: Record<string, string> = {
  ended: 'The session is ended: that browser is signed out.',
  revoked: 'The grant is revoked: every token issued under it is refused from now on.',
};

/** /admin/sessions: live sign-in sessions and active grants, by user or app; end a session, revoke a grant. */
export function sessionsRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const activity = ctx.options.ops.sessions;

  app.get(CONSOLE_PATHS.sessions, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const user = filterField(request.query, 'user');
    const appFilter = filterField(request.query, 'app');
    const query = { user: user.value, app: appFilter.value, sessionsPage: pageNumber(request.query, 'spage'), grantsPage: pageNumber(request.query, 'gpage') };
    const errors = { ...(user.error ? { user: user.error } : {}), ...(appFilter.error ? { app: appFilter.error } : {}) };
    const invalid = Object.keys(errors).length > 0;
    const filter = { ...(query.user ? { user: query.user } : {}), ...(query.app ? { clientId: query.app } : {}) };
    const none = { total: 0 };
    const [sessions, grants] = invalid
      ? [{ ...none, sessions: [] }, { ...none, grants: [] }]
      : await Promise.all([activity.sessions(filter, windowOf(query.sessionsPage)), activity.grants(filter, windowOf(query.grantsPage))]);
    const done = DONE[formField(request.query, 'done')];
    return ctx.page(
      reply,
      invalid ? 400 : 200,
      renderSessionsPage({
        frame: ctx.frame(request, reply, admin, 'sessions'),
        query,
        ...(invalid ? { errors } : {}),
        sessions: {
          items: sessions.sessions.map((s) => ({
            ref: s.idHash,
            userId: s.userId,
            ...(s.email !== undefined ? { email: s.email } : {}),
            ...(s.name !== undefined ? { name: s.name } : {}),
            signedInAt: s.authTime,
            lastSeenAt: s.lastSeenAt,
            endsAt: s.expiresAt,
          })),
          window: { page: query.sessionsPage, pageSize: PAGE_SIZE, total: sessions.total },
        },
        grants: {
          items: grants.grants.map(({ grant, createdAt }) => ({
            id: grant.id,
            clientId: grant.clientId,
            ...(grant.userId !== undefined ? { userId: grant.userId } : {}),
            scope: grant.scope,
            tenant: grantTenant(grant),
            grantedAt: createdAt,
          })),
          window: { page: query.grantsPage, pageSize: PAGE_SIZE, total: grants.total },
        },
        showTenant: ctx.options.tenant === undefined,
        ...(done ? { notice: done } : {}),
      }),
    );
  });

  app.post(SESSION_END_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const session = formField(request.body, 'session');
    const asked = ctx.askFirst(request, reply, admin, 'sessions', {
      title: 'End this session?',
      message: 'The browser signed in with it is signed out at once. Its user may sign in again; apps they authorized keep their grants (revoke those separately).',
      action: SESSION_END_PATH,
      fields: { session },
      confirmLabel: 'End session',
      cancelHref: CONSOLE_PATHS.sessions,
    });
    if (asked) return asked;
    if (!(await activity.endSession(admin, session))) return ctx.notFound(request, reply, admin, 'sessions', 'There is no such live session here: it may have ended already.');
    return backTo(request, reply, CONSOLE_PATHS.sessions, 'ended');
  });

  app.post(GRANT_REVOKE_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const grant = formField(request.body, 'grant');
    const asked = ctx.askFirst(request, reply, admin, 'sessions', {
      title: `Revoke grant ${grant}?`,
      message: 'Every access and refresh token issued under it stops working at once; the app must be authorized again. This cannot be undone.',
      action: GRANT_REVOKE_PATH,
      fields: { grant },
      confirmLabel: 'Revoke grant',
      cancelHref: CONSOLE_PATHS.sessions,
    });
    if (asked) return asked;
    if (!(await activity.revokeGrant(admin, grant))) return ctx.notFound(request, reply, admin, 'sessions', `There is no active grant ${grant} here: it may have been revoked already.`);
    return backTo(request, reply, CONSOLE_PATHS.sessions, 'revoked');
  });
}
