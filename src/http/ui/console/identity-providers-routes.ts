import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../../../auth/admin/admin-error.ts';
import { tenantOf } from '../../../auth/audit/registry-events.ts';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import type { StoredIdentityProvider } from '../../../auth/federation/identity-provider.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { renderIdentityProviderEditPage, type IdentityProviderEditPageModel } from '../../../ui/console/identity-provider-edit-page.ts';
import { renderIdentityProvidersPage, type IdentityProviderRow } from '../../../ui/console/identity-providers-page.ts';
import { formField } from '../form-body.ts';
import { allowOwnScripts, siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';
import { issueProblem, parsePolicyText, syntaxProblem, type PolicyFormat } from './policy-text.ts';
import { providerText, withoutSecretValues } from './provider-text.ts';

export interface IdentityProvidersDeps {
  /** The admin API's nesting limit for bodies (MAX_JSON_DEPTH): the editor's text is parsed as its body would be. */
  maxDepth: number;
}

const PAGE_SIZE = 20;
const BASE = CONSOLE_PATHS.identityProviders;
const KIND = 'IdentityProvider';

type IdParams = { Params: { id: string } };
type Shown = { mode: 'new' | 'edit'; id: string; format: PolicyFormat; text: string; redirectUri?: string };

/** A provider as the admin API presents it: never its secret, with its read-only redirect URI. */
type PresentedProvider = StoredIdentityProvider & { redirect_uri: string };

/**
 * /admin/identity-providers: the OpenID providers a tenant's people sign in with. The list (with each redirect URI to
 * copy), the editor (YAML or JSON, the access policies' editor; saved by the admin API's own `put`, so validated, bound
 * to the tenant, audited and its secret sealed as the admin API's writes are), deletion after a confirmation. The
 * secret is typed in a field of its own and never shown: not in the text, not after a refused save.
 */
export function identityProvidersRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const registry = ctx.options.registry;
  const maxDepth = ctx.options.identityProviders.maxDepth;

  app.get(BASE, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, string | undefined>;
    const page = typeof query.page === 'string' && /^[1-9]\d{0,5}$/.test(query.page) ? Number(query.page) : 1;
    const listed = await registry.list(KIND, { count: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const showTenant = admin.tenant === undefined;
    const rows = listed.resources.map((r) => rowOf(r as unknown as PresentedProvider, showTenant));
    const deleted = typeof query.deleted === 'string' && /^[A-Za-z0-9._~-]{1,128}$/.test(query.deleted) ? query.deleted : undefined;
    if (rows.length > 0) allowOwnScripts(request);
    return ctx.page(
      reply,
      200,
      renderIdentityProvidersPage({
        frame: ctx.frame(request, reply, admin, 'identity-providers'),
        rows,
        window: { page, pageSize: PAGE_SIZE, total: listed.total },
        href: (p) => `${pagePath(siteOf(request), BASE)}?page=${p}`,
        showTenant,
        ...(deleted ? { notice: `IdentityProvider/${deleted} was deleted.` } : {}),
      }),
    );
  });

  app.get(`${BASE}/new`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const format = formatOf((request.query as Record<string, unknown>).format);
    const example = {
      resourceType: KIND,
      title: 'Hospital SSO',
      issuer: 'https://login.example.org',
      client_id: 'portico',
      token_endpoint_auth_method: 'client_secret_basic',
      scopes: ['openid', 'email', 'profile'],
      active: true,
      mapping: { user_claim: 'sub', fhirUser: { type: 'none' }, provisioning: 'existing-only' },
    };
    return editPage(request, reply, admin, 200, { mode: 'new', id: '', format, text: providerText(example, format), problems: [] });
  });

  app.post(`${BASE}/new`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const id = formField(request.body, 'id').trim();
    const shown: Shown = { mode: 'new', id, format: formatOf(formField(request.body, 'format')), text: formField(request.body, 'text') };
    const secret = formField(request.body, 'client_secret');
    if (id === '') return refused(request, reply, admin, 422, shown, secret, { idError: 'Enter an id for the identity provider' });
    if (await readProvider(id)) return refused(request, reply, admin, 422, shown, secret, { idError: `IdentityProvider/${id} exists already: choose another id, or edit it` });
    return save(request, reply, admin, shown, secret);
  });

  app.get<IdParams>(`${BASE}/:id`, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, unknown>;
    const format = formatOf(query.format);
    const found = await readProvider(request.params.id);
    if (!found) return ctx.notFound(request, reply, admin, 'identity-providers', `There is no IdentityProvider ${request.params.id} here.`);
    const model: Omit<IdentityProviderEditPageModel, 'frame'> = {
      mode: 'edit',
      id: found.id,
      format,
      text: providerText(found as unknown as Record<string, unknown>, format),
      redirectUri: found.redirect_uri,
      problems: [],
      ...(query.saved === '1' ? { notice: 'Saved.' } : {}),
    };
    return editPage(request, reply, admin, 200, model);
  });

  app.post<IdParams>(`${BASE}/:id`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const found = await readProvider(request.params.id);
    if (!found) return ctx.notFound(request, reply, admin, 'identity-providers', `There is no IdentityProvider ${request.params.id} that this console edits.`);
    const shown: Shown = { mode: 'edit', id: found.id, format: formatOf(formField(request.body, 'format')), text: formField(request.body, 'text'), redirectUri: found.redirect_uri };
    return save(request, reply, admin, shown, formField(request.body, 'client_secret'));
  });

  // Deleting asks first: the provider page's form leads to a confirmation, whose own form says `confirm=yes`.
  app.post<IdParams>(`${BASE}/:id/delete`, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const found = await readProvider(request.params.id);
    if (!found) return ctx.notFound(request, reply, admin, 'identity-providers', `There is no IdentityProvider ${request.params.id} that this console deletes.`);
    const path = `${BASE}/${encodeURIComponent(found.id)}`;
    const asked = ctx.askFirst(request, reply, admin, 'identity-providers', {
      title: `Delete IdentityProvider/${found.id}?`,
      message: `"Sign in with ${found.title}" leaves the sign-in page at once, and its sealed client secret is deleted. Users linked to its accounts stay, but cannot sign in through it. This cannot be undone.`,
      action: `${path}/delete`,
      confirmLabel: 'Delete identity provider',
      cancelHref: path,
    });
    if (asked) return asked;
    try {
      await registry.delete(KIND, found.id, admin.caller);
    } catch (err) {
      if (!(err instanceof AdminError) || err.status >= 500) throw err;
      // Refused by the service (the last way in of a tenant without passwords): its own words, on the provider's page.
      const format: PolicyFormat = 'yaml';
      return editPage(request, reply, admin, err.status, {
        mode: 'edit',
        id: found.id,
        format,
        text: providerText(found as unknown as Record<string, unknown>, format),
        redirectUri: found.redirect_uri,
        problems: [],
        error: err.issues.map((i) => i.diagnostics).join('; '),
      });
    }
    return reply.code(303).header('location', `${pagePath(siteOf(request), BASE)}?deleted=${encodeURIComponent(found.id)}`).send();
  });

  /** The provider this console sees by that id (a tenant's console: its own only), as the admin API presents it. */
  async function readProvider(id: string): Promise<PresentedProvider | undefined> {
    try {
      return (await registry.read(KIND, id)) as unknown as PresentedProvider;
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return undefined;
      throw err;
    }
  }

  function editPage(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, status: number, model: Omit<IdentityProviderEditPageModel, 'frame'>): FastifyReply {
    if (model.redirectUri !== undefined) allowOwnScripts(request);
    return ctx.page(reply, status, renderIdentityProviderEditPage({ ...model, frame: ctx.frame(request, reply, admin, 'identity-providers') }));
  }

  /** The editor again after a refused save: the text with any secret in it blanked, the secret's field empty. */
  function refused(
    request: FastifyRequest,
    reply: FastifyReply,
    admin: ConsoleAdmin,
    status: number,
    shown: Shown,
    secret: string,
    extra: Partial<Pick<IdentityProviderEditPageModel, 'idError' | 'problems'>>,
  ): FastifyReply {
    const hidden = withoutSecretValues(shown.text);
    const typed = secret !== '' || hidden !== shown.text;
    const hiddenLines = new Set(hidden.split('\n').map((line) => line.replace(/\r$/, '')));
    return editPage(request, reply, admin, status, {
      ...shown,
      text: hidden,
      // A line is quoted only as the page shows it again (a secret's own lines are not there).
      problems: (extra.problems ?? []).map(({ lineText, ...p }) => {
        const shownLine = lineText === undefined ? undefined : withoutSecretValues(lineText);
        return shownLine !== undefined && hiddenLines.has(shownLine) ? { ...p, lineText: shownLine } : p;
      }),
      ...(extra.idError !== undefined ? { idError: extra.idError } : {}),
      ...(typed ? { secretError: 'Nothing was saved: enter the client secret again (a secret is never shown back)' } : {}),
    });
  }

  /** Parses the text as the admin API parses a body, adds the secret typed apart, and saves it through the admin API's `put`. */
  async function save(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, shown: Shown, secret: string): Promise<FastifyReply> {
    const parsed = parsePolicyText(shown.text, shown.format, maxDepth);
    if (!parsed.ok) return refused(request, reply, admin, 400, shown, secret, { problems: [syntaxProblem(shown.text, parsed)] });
    const body = secret !== '' && parsed.body !== null && typeof parsed.body === 'object' && !Array.isArray(parsed.body) ? { ...parsed.body, client_secret: secret } : parsed.body;
    try {
      await registry.put(KIND, shown.id, body, admin.caller);
    } catch (err) {
      if (!(err instanceof AdminError) || err.status >= 500) throw err;
      // A bad id, or one in use elsewhere (another tenant's), is the id's problem; the rest are the text's.
      const idProblem = err.issues.some((i) => i.expression?.[0] === `${KIND}.id`) || (shown.mode === 'new' && err.status === 409 && /in use outside this tenant/.test(err.message + err.issues.map((i) => i.diagnostics).join(' ')));
      if (idProblem) return refused(request, reply, admin, err.status, shown, secret, { idError: err.issues.map((i) => i.diagnostics).join('; ') });
      return refused(request, reply, admin, err.status === 400 || err.status === 409 ? err.status : 422, shown, secret, { problems: err.issues.map((i) => issueProblem(shown.text, i)) });
    }
    return reply.code(303).header('location', `${pagePath(siteOf(request), `${BASE}/${encodeURIComponent(shown.id)}`)}?format=${shown.format}&saved=1`).send();
  }
}

function rowOf(provider: PresentedProvider, showTenant: boolean): IdentityProviderRow {
  return {
    id: provider.id,
    title: provider.title,
    issuer: provider.issuer,
    ...(showTenant ? { tenant: tenantOf(provider) } : {}),
    active: provider.active,
    provisioning: provider.mapping?.provisioning ?? 'existing-only',
    redirectUri: provider.redirect_uri,
  };
}

function formatOf(value: unknown): PolicyFormat {
  return value === 'json' ? 'json' : 'yaml';
}
