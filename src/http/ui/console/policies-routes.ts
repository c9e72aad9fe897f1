import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../../../auth/admin/admin-error.ts';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import { testPolicies, type PolicyTesterDeps } from '../../../auth/console/policy-tester.ts';
import type { AccessPolicy, StoredAccessPolicy } from '../../../auth/policies/access-policy.ts';
import type { RegistryResource } from '../../../auth/registry/registry-repository.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { renderPoliciesPage, type PolicyListSection, type PolicyRow } from '../../../ui/console/policies-page.ts';
import { renderPolicyEditPage, type PolicyEditPageModel } from '../../../ui/console/policy-edit-page.ts';
import { renderPolicyTestPage, type PolicyTestValues } from '../../../ui/console/policy-test-page.ts';
import { formField } from '../form-body.ts';
import { siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';
import { issueProblem, parsePolicyText, policyText, syntaxProblem, type PolicyFormat } from './policy-text.ts';

export interface PoliciesDeps {
  /** The policy tester's view of this console's tenant: the FHIR API's registry, policies and rules. */
  tester: PolicyTesterDeps;
  /** At a tenant's console: the global policies, which apply there but are the root's to change. */
  globalPolicies?: () => Promise<StoredAccessPolicy[]>;
  /** The admin API's nesting limit for bodies (MAX_JSON_DEPTH): the editor's text is parsed as its body would be. */
  maxDepth: number;
}

const PAGE_SIZE = 20;
const BASE = CONSOLE_PATHS.policies;

type IdParams = { Params: { id: string } };

/**
 * /admin/policies: the list, the editor (YAML or JSON, saved by the admin API's own `put`, so validated and audited as
 * its writes are), deletion after a confirmation, and the tester (/admin/policies/test).
 */
export function policiesRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const deps = ctx.options.policies;
  const registry = ctx.options.registry;

  app.get(BASE, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, string | undefined>;
    const page = pageOf(query.page);
    const gpage = pageOf(query.gpage);
    const href = (p: number, g: number) => `${pagePath(siteOf(request), BASE)}?page=${p}&gpage=${g}`;
    const listed = await registry.list('AccessPolicy', { count: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const own: PolicyListSection = {
      rows: listed.resources.map((p) => rowOf(p as AccessPolicy)),
      window: { page, pageSize: PAGE_SIZE, total: listed.total },
      href: (p) => href(p, gpage),
    };
    let global: PolicyListSection | undefined;
    if (deps.globalPolicies) {
      const all = await deps.globalPolicies();
      global = {
        rows: all.slice((gpage - 1) * PAGE_SIZE, gpage * PAGE_SIZE).map(rowOf),
        window: { page: gpage, pageSize: PAGE_SIZE, total: all.length },
        href: (g) => href(page, g),
      };
    }
    const deleted = typeof query.deleted === 'string' ? query.deleted : undefined;
    return ctx.page(reply, 200, renderPoliciesPage({ frame: ctx.frame(request, reply, admin, 'policies'), own, ...(global ? { global } : {}), ...(deleted ? { notice: `AccessPolicy/${deleted} was deleted.` } : {}) }));
  });

  app.get(`${BASE}/test`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, unknown>;
    const field = (name: string) => (typeof query[name] === 'string' ? query[name] : '');
    const values: PolicyTestValues = { client: field('client'), user: field('user'), patient: field('patient'), scope: field('scope'), method: field('method') || 'GET', url: field('url') };
    const frame = ctx.frame(request, reply, admin, 'policies');
    // The empty form first; once asked (a client or a URL given), the answer.
    if (values.client === '' && values.url === '') return ctx.page(reply, 200, renderPolicyTestPage({ frame, values, errors: {} }));
    const result = await testPolicies({ clientId: values.client, userId: values.user, patient: values.patient, scope: values.scope, method: values.method, url: values.url }, deps.tester);
    if (!result.ok) return ctx.page(reply, 422, renderPolicyTestPage({ frame, values, errors: result.problems }));
    return ctx.page(
      reply,
      200,
      renderPolicyTestPage({
        frame,
        values,
        errors: {},
        answer: {
          api: result.api,
          interaction: result.interaction,
          allowed: result.allowed,
          reason: result.reason,
          steps: result.steps,
          scopes: result.scopes,
          ...(result.context ? { context: JSON.stringify(result.context, null, 2) } : {}),
        },
      }),
    );
  });

  app.get(`${BASE}/new`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const format = formatOf((request.query as Record<string, unknown>).format);
    const example: Record<string, unknown> = { resourceType: 'AccessPolicy', description: 'What this policy is for', engine: 'allow', link: [{ resourceType: 'Client', id: 'my-app' }] };
    return editPage(request, reply, admin, 200, { mode: 'new', id: '', format, text: policyText(example, format), problems: [] });
  });

  app.post(`${BASE}/new`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const id = formField(request.body, 'id').trim();
    const format = formatOf(formField(request.body, 'format'));
    const text = formField(request.body, 'text');
    const shown = { mode: 'new' as const, id, format, text };
    if (id === '') return editPage(request, reply, admin, 422, { ...shown, idError: 'Enter an id for the policy', problems: [] });
    if (await exists(id)) return editPage(request, reply, admin, 422, { ...shown, idError: `AccessPolicy/${id} exists already: choose another id, or edit it`, problems: [] });
    return save(request, reply, admin, shown);
  });

  app.get<IdParams>(`${BASE}/:id`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const format = formatOf((request.query as Record<string, unknown>).format);
    const saved = (request.query as Record<string, unknown>).saved === '1';
    const found = await readPolicy(request.params.id);
    if (found) return editPage(request, reply, admin, 200, { mode: 'edit', id: request.params.id, format, text: policyText(found, format), problems: [], ...(saved ? { notice: 'Saved.' } : {}) });
    const global = (await deps.globalPolicies?.())?.find((p) => p.id === request.params.id);
    if (global) return editPage(request, reply, admin, 200, { mode: 'view', id: global.id, format, text: policyText(global as unknown as Record<string, unknown>, format), problems: [] });
    return ctx.notFound(request, reply, admin, 'policies', `There is no AccessPolicy ${request.params.id} here.`);
  });

  app.post<IdParams>(`${BASE}/:id`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    if (!(await exists(request.params.id))) return ctx.notFound(request, reply, admin, 'policies', `There is no AccessPolicy ${request.params.id} that this console edits.`);
    return save(request, reply, admin, { mode: 'edit', id: request.params.id, format: formatOf(formField(request.body, 'format')), text: formField(request.body, 'text') });
  });

  // Deleting asks first: the policy page's form leads to a confirmation, whose own form says `confirm=yes`.
  app.post<IdParams>(`${BASE}/:id/delete`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const id = request.params.id;
    if (!(await exists(id))) return ctx.notFound(request, reply, admin, 'policies', `There is no AccessPolicy ${id} that this console deletes.`);
    const site = siteOf(request);
    const asked = ctx.askFirst(request, reply, admin, 'policies', {
      title: `Delete AccessPolicy/${id}?`,
      message: 'What it grants stops at once: user/ and system/ scopes it backed are refused from the next request on. This cannot be undone.',
      action: `${BASE}/${encodeURIComponent(id)}/delete`,
      confirmLabel: 'Delete policy',
      cancelHref: `${BASE}/${encodeURIComponent(id)}`,
    });
    if (asked) return asked;
    await registry.delete('AccessPolicy', id, admin.caller);
    return reply.code(303).header('location', `${pagePath(site, BASE)}?deleted=${encodeURIComponent(id)}`).send();
  });

  /** The policy this console sees by that id (a tenant's console: its own only), or undefined. */
  async function readPolicy(id: string): Promise<Record<string, unknown> | undefined> {
    try {
      return (await registry.read('AccessPolicy', id)) as unknown as Record<string, unknown>;
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return undefined;
      throw err;
    }
  }

  async function exists(id: string): Promise<boolean> {
    return (await readPolicy(id)) !== undefined;
  }

  function editPage(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, status: number, model: Omit<PolicyEditPageModel, 'frame'>): FastifyReply {
    return ctx.page(reply, status, renderPolicyEditPage({ ...model, frame: ctx.frame(request, reply, admin, 'policies') }));
  }

  /** Parses the text as the admin API parses a body, and puts it through the admin API's own `put` (validated, audited). */
  async function save(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, shown: { mode: 'new' | 'edit'; id: string; format: PolicyFormat; text: string }): Promise<FastifyReply> {
    const parsed = parsePolicyText(shown.text, shown.format, deps.maxDepth);
    if (!parsed.ok) {
      return editPage(request, reply, admin, 400, { ...shown, problems: [syntaxProblem(shown.text, parsed)] });
    }
    try {
      await registry.put('AccessPolicy', shown.id, parsed.body, admin.caller);
    } catch (err) {
      if (!(err instanceof AdminError) || err.status >= 500) throw err;
      // A bad id, or one in use elsewhere (another tenant's, or a global policy at a tenant's console), is the id's problem.
      if (err.status === 409 || err.issues.some((i) => i.expression?.[0] === 'AccessPolicy.id')) {
        return editPage(request, reply, admin, err.status, { ...shown, idError: err.issues.map((i) => i.diagnostics).join('; '), problems: [] });
      }
      return editPage(request, reply, admin, err.status === 400 ? 400 : 422, { ...shown, problems: err.issues.map((i) => issueProblem(shown.text, i)) });
    }
    return reply.code(303).header('location', `${pagePath(siteOf(request), `${BASE}/${encodeURIComponent(shown.id)}`)}?format=${shown.format}&saved=1`).send();
  }
}

function formatOf(value: unknown): PolicyFormat {
  return value === 'json' ? 'json' : 'yaml';
}

function pageOf(value: string | undefined): number {
  return value !== undefined && /^[1-9]\d{0,5}$/.test(value) ? Number(value) : 1;
}

/** A policy's row: its links, and its matcho pattern in one line (cut short: the page has the whole of it). */
function rowOf(policy: AccessPolicy | RegistryResource): PolicyRow {
  const p = policy as AccessPolicy;
  const matcho = p.matcho ? JSON.stringify(p.matcho) : '';
  return {
    id: p.id ?? '',
    tenant: typeof p.meta?._tenant === 'string' ? p.meta._tenant : undefined,
    engine: p.engine,
    links: (p.link ?? []).map((l) => `${l.resourceType}/${l.id}`).join(', '),
    matches: matcho.length > 120 ? `${matcho.slice(0, 119)}…` : matcho,
    ...(p.description ? { description: p.description } : {}),
  };
}
