import type { FastifyInstance } from 'fastify';
import { InvalidAuditCursor } from '../../../auth/console/console-audit.ts';
import { renderAuditEventPage } from '../../../ui/console/audit-event-page.ts';
import { AUDIT_VERIFY_PATH, renderAuditPage, type AuditRowView } from '../../../ui/console/audit-page.ts';
import { renderAuditVerifyPage } from '../../../ui/console/audit-verify-page.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { siteOf } from '../page-site-of.ts';
import { filterQuery, OUTCOME_OPTIONS, parseAuditFilter, TYPE_OPTIONS } from './audit-filter-form.ts';
import { auditEventView, auditRowView } from './audit-view.ts';
import type { ConsoleContext } from './console-context.ts';

/** A page position as the trail writes it (base64url), before the trail decodes it. */
const CURSOR = /^[A-Za-z0-9_-]{1,2000}$/;

/**
 * GET /admin/audit (filter, newest first, keyset pages), GET /admin/audit/{id} (one event), POST
 * /admin/audit/verify (the chains, as `portico audit verify`). Reading the trail changes nothing: no event is
 * recorded for it, as `portico audit verify` records none.
 */
export function auditRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const audit = ctx.options.audit;
  const everyTenant = ctx.options.tenant === undefined;

  app.get(CONSOLE_PATHS.audit, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, unknown>;
    const { values, filter, errors } = parseAuditFilter(query, everyTenant);
    const cursor = typeof query.cursor === 'string' && query.cursor !== '' ? query.cursor : undefined;
    const base = pagePath(siteOf(request), CONSOLE_PATHS.audit);
    const model = {
      frame: ctx.frame(request, reply, admin, 'audit'),
      values,
      errors,
      outcomes: OUTCOME_OPTIONS,
      types: TYPE_OPTIONS,
      everyTenant,
      rows: [] as AuditRowView[],
    };
    if (Object.keys(errors).length > 0) return ctx.page(reply, 422, renderAuditPage(model));
    const stale = 'That page of events is out of date: the list starts again from the newest.';
    if (cursor !== undefined && !CURSOR.test(cursor)) return ctx.page(reply, 400, renderAuditPage({ ...model, problem: stale }));
    try {
      const page = await audit.search(filter, cursor);
      return ctx.page(
        reply,
        200,
        renderAuditPage({
          ...model,
          rows: page.entries.map((e) => auditRowView(e, everyTenant)),
          ...(page.next !== undefined ? { olderHref: `${base}${filterQuery(values, { cursor: page.next })}` } : {}),
          ...(cursor !== undefined ? { newestHref: `${base}${filterQuery(values)}` } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof InvalidAuditCursor) return ctx.page(reply, 400, renderAuditPage({ ...model, problem: stale }));
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>(`${CONSOLE_PATHS.audit}/:id`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const entry = await audit.read(request.params.id);
    if (!entry) return ctx.notFound(request, reply, admin, 'audit', `There is no audit event ${request.params.id}${everyTenant ? '' : ' at this tenant'}.`);
    return ctx.page(reply, 200, renderAuditEventPage({ frame: ctx.frame(request, reply, admin, 'audit'), event: auditEventView(entry, everyTenant) }));
  });

  app.post(AUDIT_VERIFY_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const result = await audit.verify();
    return ctx.page(
      reply,
      200,
      renderAuditVerifyPage(ctx.frame(request, reply, admin, 'audit'), {
        intact: result.ok,
        events: result.events,
        chains: result.chains,
        ...(result.ok ? {} : { broken: result.broken }),
        scope: admin.tenant === undefined ? 'every tenant' : `tenant ${admin.tenant}`,
      }),
    );
  });
}
