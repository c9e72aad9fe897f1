import type { FastifyInstance } from 'fastify';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { EXPORT_CANCEL_PATH, renderExportsPage } from '../../../ui/console/exports-page.ts';
import { formField } from '../form-body.ts';
import type { ConsoleContext } from './console-context.ts';
import { backTo, confirmed, filterField, pageNumber, PAGE_SIZE, windowOf } from './ops-route-parts.ts';

/** /admin/exports: Bulk Data export jobs with their owner, request, status, progress and files; cancel one. */
export function exportsRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const exports = ctx.options.ops.exports;

  app.get(CONSOLE_PATHS.exports, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const appFilter = filterField(request.query, 'app');
    const page = pageNumber(request.query, 'page');
    const listed = appFilter.error ? { total: 0, exports: [] } : await exports.list(appFilter.value ? { clientId: appFilter.value } : {}, windowOf(page));
    return ctx.page(
      reply,
      appFilter.error ? 400 : 200,
      renderExportsPage({
        frame: ctx.frame(request, reply, admin, 'exports'),
        exports: listed.exports.map(({ job, tenant, files }) => ({
          id: job.id,
          clientId: job.clientId,
          tenant,
          level: job.request.level === 'group' ? `Group/${job.request.groupId ?? ''}` : job.request.level,
          ...(job.request.types ? { types: job.request.types } : {}),
          ...(job.request.since ? { since: job.request.since } : {}),
          status: job.status,
          ...(job.progress ? { progress: job.progress } : {}),
          createdAt: new Date(job.createdAt),
          ...(job.completedAt ? { finishedAt: new Date(job.completedAt) } : {}),
          files: files.map((f) => ({ kind: f.kind, resourceType: f.resourceType, lines: f.count })),
        })),
        window: { page, pageSize: PAGE_SIZE, total: listed.total },
        app: appFilter.value,
        ...(appFilter.error ? { appError: appFilter.error } : {}),
        showTenant: ctx.options.tenant === undefined,
        ...(formField(request.query, 'done') === 'cancelled' ? { notice: 'The export is cancelled: its files are deleted and its status URL answers 404.' } : {}),
      }),
    );
  });

  app.post(EXPORT_CANCEL_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const jobId = formField(request.body, 'job');
    if (!confirmed(request)) {
      const found = await exports.get(jobId);
      if (!found) return ctx.notFound(request, reply, admin, 'exports', `There is no bulk export ${jobId} here: it may have been cancelled or expired.`);
      return ctx.askFirst(request, reply, admin, 'exports', {
        title: `Cancel export ${jobId}?`,
        message: `The ${found.job.status} export of ${found.job.clientId} is deleted with its files (${found.files.length}); the app's status URL answers 404 from now on. This cannot be undone.`,
        action: EXPORT_CANCEL_PATH,
        fields: { job: jobId },
        confirmLabel: 'Yes, cancel the export',
        cancelHref: CONSOLE_PATHS.exports,
      });
    }
    if (!(await exports.cancel(admin, jobId))) return ctx.notFound(request, reply, admin, 'exports', `There is no bulk export ${jobId} here: it may have been cancelled or expired.`);
    return backTo(request, reply, CONSOLE_PATHS.exports, 'cancelled');
  });
}
