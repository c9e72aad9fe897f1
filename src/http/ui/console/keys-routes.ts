import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import { consoleMessagePage } from '../../../ui/console/console-message-page.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { KEYS_RETIRE_PATH, KEYS_ROTATE_PATH, renderKeysPage } from '../../../ui/console/keys-page.ts';
import { formField } from '../form-body.ts';
import type { ConsoleContext } from './console-context.ts';
import { backTo, pageNumber, PAGE_SIZE } from './ops-route-parts.ts';

const DONE: Record<string, string> = {
  rotated: 'New signing keys are active. The previous keys keep verifying the tokens they signed.',
  retired: 'The key is retired: it is no longer published, and tokens it signed no longer verify.',
};

/**
 * /admin/keys. The keys are the deployment's (one JWKS serves every tenant): a tenant's administrators see them, as
 * their dashboard does, but only a global administrator rotates or retires them (a tenant's console refuses, 403).
 */
export function keysRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const keys = ctx.options.ops.keys;
  const canManage = ctx.options.tenant === undefined;

  async function keysPage(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, status: number, note?: { text: string; kind: 'success' | 'error' }) {
    const overview = await keys.overview();
    // Newest first: the keys that matter now lead.
    const all = [...overview.keys].reverse();
    const page = Math.min(pageNumber(request.query, 'page'), Math.max(1, Math.ceil(all.length / PAGE_SIZE)));
    return ctx.page(
      reply,
      status,
      renderKeysPage({
        frame: ctx.frame(request, reply, admin, 'keys'),
        keys: all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE),
        window: { page, pageSize: PAGE_SIZE, total: all.length },
        retireAfterDays: overview.retireAfterDays,
        canManage,
        ...(note ? { notice: note } : {}),
      }),
    );
  }

  const refused = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin) =>
    ctx.page(reply, 403, consoleMessagePage(ctx.frame(request, reply, admin, 'keys'), 'Global administrators only', "The signing keys are the deployment's, shared by every tenant: a global administrator rotates and retires them at the root console."));

  app.get(CONSOLE_PATHS.keys, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const done = DONE[formField(request.query, 'done')];
    return keysPage(request, reply, admin, 200, done ? { text: done, kind: 'success' } : undefined);
  });

  app.post(KEYS_ROTATE_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    if (!canManage) return refused(request, reply, admin);
    const asked = ctx.askFirst(request, reply, admin, 'keys', {
      title: 'Rotate the signing keys?',
      message: 'A new key per algorithm starts signing every new token at once, in every tenant. The current keys keep verifying the tokens they signed until they are retired.',
      action: KEYS_ROTATE_PATH,
      confirmLabel: 'Rotate keys',
      cancelHref: CONSOLE_PATHS.keys,
    });
    if (asked) return asked;
    await keys.rotate(admin);
    return backTo(request, reply, CONSOLE_PATHS.keys, 'rotated');
  });

  app.post(KEYS_RETIRE_PATH, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    if (!canManage) return refused(request, reply, admin);
    const kid = formField(request.body, 'kid');
    const overview = await keys.overview();
    const key = overview.keys.find((k) => k.kid === kid);
    if (!key) return ctx.notFound(request, reply, admin, 'keys', `There is no signing key ${kid}.`);
    if (formField(request.body, 'confirm') !== 'yes') {
      if (key.signs) return keysPage(request, reply, admin, 409, { text: activeMessage(kid, key.alg), kind: 'error' });
    }
    const asked = ctx.askFirst(request, reply, admin, 'keys', {
      title: `Retire key ${kid}?`,
      message: `It is no longer published in the JWKS, and every token it signed stops verifying at once: do this only once they have expired (${key.alg} key, created ${key.createdAt.toISOString()}). This cannot be undone.`,
      action: KEYS_RETIRE_PATH,
      fields: { kid },
      confirmLabel: 'Retire key',
      cancelHref: CONSOLE_PATHS.keys,
    });
    if (asked) return asked;
    const outcome = await keys.retire(admin, kid);
    if (outcome.retired) return backTo(request, reply, CONSOLE_PATHS.keys, 'retired');
    if (outcome.reason === 'unknown') return ctx.notFound(request, reply, admin, 'keys', outcome.message);
    return keysPage(request, reply, admin, 409, { text: outcome.reason === 'active' ? activeMessage(kid, key.alg) : outcome.message, kind: 'error' });
  });
}

const activeMessage = (kid: string, alg: string) =>
  `${kid} is the active ${alg} key: it signs every new token, so it cannot be retired. Rotate the keys first; retire it once the tokens it signed have expired.`;
