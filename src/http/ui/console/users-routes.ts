import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError } from '../../../auth/admin/admin-error.ts';
import { tenantOf } from '../../../auth/audit/registry-events.ts';
import type { PatientDirectory } from '../../../auth/authorize/patient-directory.ts';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import type { AccountLock } from '../../../auth/console/account-lock.ts';
import type { IssuedLink, PasswordLinks } from '../../../auth/console/password-links.ts';
import type { UserSearch } from '../../../auth/console/user-search.ts';
import type { StoredUser, User } from '../../../auth/users/user.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { consoleMessagePage } from '../../../ui/console/console-message-page.ts';
import type { UserFormField, UserFormValues } from '../../../ui/console/user-form-fields.ts';
import { renderUserFhirUserPage, type FhirPersonChoice } from '../../../ui/console/user-fhir-user-page.ts';
import { renderUserNewPage } from '../../../ui/console/user-new-page.ts';
import { renderUserPage, type UserPageModel, type UserView } from '../../../ui/console/user-page.ts';
import { USER_PATHS, userPath } from '../../../ui/console/user-paths.ts';
import { renderUsersPage, type UserFilters } from '../../../ui/console/users-page.ts';
import { formField, type FormBody } from '../form-body.ts';
import { allowOwnScripts, siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';
import { invitationRoutes } from './invitation-routes.ts';

/** What the Users section runs on besides the admin API's service (ConsoleOptions.registry). */
export interface UsersDeps {
  search: UserSearch;
  links: PasswordLinks;
  lock: AccountLock;
  /** The patients and practitioners of a tenant (its id; `default` for the root's), to link a User to. */
  directoryAt(tenant: string): Pick<PatientDirectory, 'findPatients' | 'findPractitioners'>;
  /** The absolute URL of a link's page at the User's tenant. */
  linkUrl(tenant: string, token: string): string;
  /** The roles offered as checkboxes (a User's other roles are shown too). */
  roles: readonly string[];
  pageSize: number;
}

type IdParams = { Params: { id: string } };

/** The notices after an action that redirects back (`?done=`): fixed texts, never taken from the URL. */
const DONE = {
  saved: 'Saved.',
  unlocked: 'Sign-in unlocked: the failure count is cleared.',
  deactivated: 'Deactivated: their sessions and app authorizations have ended.',
  reactivated: 'Reactivated. They sign in again with their password; earlier sessions and authorizations stay ended.',
  linked: 'FHIR resource saved.',
  deleted: 'The user is deleted.',
} as const;
type Done = keyof typeof DONE;
const doneNotice = (request: FastifyRequest): string | undefined => {
  const done = (request.query as Record<string, unknown>).done;
  return typeof done === 'string' && Object.hasOwn(DONE, done) ? DONE[done as Done] : undefined;
};

const MAX_SEARCH_TEXT = 200;
const MAX_PAGE = 100_000;
const FHIR_PERSON = /^(Patient|Practitioner)\/([A-Za-z0-9\-.]{1,64})$/;
const FOUND_PER_KIND = 20;

/**
 * The console's Users: search, create (with an invitation link), roles and details, the FHIR resource they are,
 * set-password links, unlocking a throttled account, deactivating, deleting. Every change goes through the admin
 * API's own service (ctx.options.registry), which validates and records it; the links and the unlock record theirs.
 */
export function usersRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const deps = ctx.options.users;
  const registry = ctx.options.registry;
  invitationRoutes(app, ctx, deps.links);

  const roleChoices = deps.roles;
  const readUser = async (id: string): Promise<StoredUser | undefined> => {
    try {
      return (await registry.read('User', id)) as StoredUser;
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return undefined;
      throw err;
    }
  };
  const noSuchUser = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin) => ctx.notFound(request, reply, admin, 'users', 'There is no such user here.');

  /** The administrator and the User the URL names, or undefined once the refusal (sign in, 404) is sent. */
  async function admittedWithUser(request: FastifyRequest<IdParams>, reply: FastifyReply): Promise<{ admin: ConsoleAdmin; user: StoredUser } | undefined> {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return undefined;
    const user = await readUser(request.params.id);
    if (!user) {
      await noSuchUser(request, reply, admin);
      return undefined;
    }
    return { admin, user };
  }

  const viewOf = async (user: StoredUser, admin: ConsoleAdmin): Promise<UserView> => {
    const [links, signIn] = await Promise.all([deps.links.standing(user.id), deps.lock.standing(user)]);
    const name = displayedName(user);
    return {
      id: user.id,
      ...(name ? { name } : {}),
      ...(user.email ? { email: user.email } : {}),
      roles: user.roles ?? [],
      ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
      active: user.active !== false,
      ...(admin.tenant === undefined ? { tenant: tenantOf(user) } : {}),
      hasPassword: links.hasPassword,
      ...(links.pending ? { pendingLink: links.pending } : {}),
      signIn,
      identities: (user.identities ?? []).map(({ issuer, subject }) => ({ issuer, subject })),
    };
  };

  async function userPage(request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, user: StoredUser, status: number, extra: Partial<Omit<UserPageModel, 'frame' | 'user' | 'roles'>> = {}) {
    if (extra.issued) allowOwnScripts(request);
    return ctx.page(reply, status, renderUserPage({ frame: ctx.frame(request, reply, admin, 'users'), user: await viewOf(user, admin), roles: roleChoices, ...extra }));
  }
  const issuedView = (issued: IssuedLink) => ({ url: deps.linkUrl(issued.tenant, issued.token), purpose: issued.purpose, expiresAt: issued.expiresAt });
  const backTo = (request: FastifyRequest, reply: FastifyReply, path: string, done: Done) =>
    reply.code(303).header('location', `${pagePath(siteOf(request), path)}?done=${done}`).send();
  /** An administrator does not shut themselves out: another administrator deactivates or deletes their account. */
  const isSelf = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, user: StoredUser) =>
    user.id === admin.user.id ? userPage(request, reply, admin, user, 409, { error: 'This is your own account: another administrator has to deactivate or delete it.' }) : undefined;
  const problemPage = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, status: number, title: string, message: string) =>
    ctx.page(reply, status, consoleMessagePage(ctx.frame(request, reply, admin, 'users'), title, message));

  app.get(USER_PATHS.list, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const query = request.query as Record<string, unknown>;
    const text = typeof query.q === 'string' ? query.q : '';
    const role = typeof query.role === 'string' ? query.role : '';
    const status = query.status === 'active' || query.status === 'inactive' ? query.status : '';
    const pageText = typeof query.page === 'string' ? query.page : '1';
    if (text.length > MAX_SEARCH_TEXT || !/^\d{1,6}$/.test(pageText) || Number(pageText) < 1 || Number(pageText) > MAX_PAGE) {
      return problemPage(request, reply, admin, 400, 'Search not understood', `The search text may have at most ${MAX_SEARCH_TEXT} characters, and the page is a number from 1.`);
    }
    const page = Number(pageText);
    const filters: UserFilters = { text, role, status };
    const found = await deps.search.search({
      ...(text ? { text } : {}),
      ...(role ? { role } : {}),
      ...(status ? { active: status === 'active' } : {}),
      ...(admin.tenant !== undefined ? { tenant: admin.tenant } : {}),
      count: deps.pageSize,
      offset: (page - 1) * deps.pageSize,
    });
    const notice = doneNotice(request);
    return ctx.page(
      reply,
      200,
      renderUsersPage({
        frame: ctx.frame(request, reply, admin, 'users'),
        filters,
        roles: roleChoices,
        users: found.resources.map((user) => {
          const name = displayedName(user);
          return {
            id: user.id,
            ...(name ? { name } : {}),
            ...(user.email ? { email: user.email } : {}),
            roles: user.roles ?? [],
            active: user.active !== false,
            ...(admin.tenant === undefined ? { tenant: tenantOf(user) } : {}),
          };
        }),
        window: { page, pageSize: deps.pageSize, total: found.total },
        showTenant: admin.tenant === undefined,
        ...(notice ? { notice } : {}),
      }),
    );
  });

  app.get(USER_PATHS.create, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    return ctx.page(reply, 200, renderUserNewPage({ frame: ctx.frame(request, reply, admin, 'users'), values: { name: '', email: '', roles: [], fhirUser: '' }, errors: {}, roles: roleChoices }));
  });

  app.post(USER_PATHS.create, ctx.guarded, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const values = formValues(request.body);
    const refused = (errors: Partial<Record<UserFormField, string>>) =>
      ctx.page(reply, 422, renderUserNewPage({ frame: ctx.frame(request, reply, admin, 'users'), values, errors, roles: roleChoices }));
    if (!values.email.trim()) return refused({ email: 'Enter their email: they sign in with it.' });
    let created: StoredUser;
    try {
      // No password: the person chooses it through the invitation link.
      created = (await registry.create('User', userBody(values, undefined), admin.caller)) as StoredUser;
    } catch (err) {
      const errors = fieldProblems(err);
      if (errors) return refused(errors);
      throw err;
    }
    const issued = await deps.links.issue(created.id, admin.caller);
    return userPage(request, reply, admin, created, 201, { issued: issuedView(issued), notice: `${values.email.trim()} is added. Hand them the invitation link below.` });
  });

  app.get<IdParams>(`${USER_PATHS.list}/:id`, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const notice = doneNotice(request);
    return userPage(request, reply, admin, user, 200, notice ? { notice } : {});
  });

  // Saving the details and roles: the User as stored, with the form's fields (a password is never in it, and kept).
  app.post<IdParams>(`${USER_PATHS.list}/:id`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const values = { ...formValues(request.body), fhirUser: user.fhirUser ?? '' };
    if (!values.email.trim()) return userPage(request, reply, admin, user, 422, { form: { values, errors: { email: 'Enter their email: they sign in with it.' } } });
    try {
      await registry.put('User', user.id, userBody(values, user), admin.caller);
    } catch (err) {
      const errors = fieldProblems(err);
      if (errors) return userPage(request, reply, admin, user, 422, { form: { values, errors } });
      if (err instanceof AdminError && err.status === 409) return userPage(request, reply, admin, user, 409, { error: 'Someone else changed this user meanwhile: check and save again.' });
      throw err;
    }
    return backTo(request, reply, userPath(user.id), 'saved');
  });

  app.post<IdParams>(`${USER_PATHS.list}/:id/link`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    let issued: IssuedLink;
    try {
      issued = await deps.links.issue(user.id, admin.caller);
    } catch (err) {
      if (err instanceof AdminError && err.status === 409) return userPage(request, reply, admin, user, 409, { error: 'No link for a deactivated user: reactivate them first.' });
      throw err;
    }
    return userPage(request, reply, admin, user, 200, { issued: issuedView(issued) });
  });

  app.post<IdParams>(`${USER_PATHS.list}/:id/unlock`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    await deps.lock.unlock(user, admin.caller);
    return backTo(request, reply, userPath(user.id), 'unlocked');
  });

  // Deactivating asks first (the form on the user page leads to a confirmation whose own form says `confirm`).
  app.post<IdParams>(`${USER_PATHS.list}/:id/deactivate`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const self = isSelf(request, reply, admin, user);
    if (self) return self;
    const label = displayedName(user) ?? user.email ?? user.id;
    const asked = ctx.askFirst(request, reply, admin, 'users', {
      title: `Deactivate ${label}?`,
      message: 'They can no longer sign in. Their sessions end at once, and every app they authorized loses its access and refresh tokens. Reactivating later brings none of them back.',
      action: userPath(user.id, 'deactivate'),
      confirmLabel: 'Deactivate',
      cancelHref: userPath(user.id),
    });
    if (asked) return asked;
    await registry.put('User', user.id, { ...user, active: false }, admin.caller);
    return backTo(request, reply, userPath(user.id), 'deactivated');
  });

  app.post<IdParams>(`${USER_PATHS.list}/:id/reactivate`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    await registry.put('User', user.id, { ...user, active: true }, admin.caller);
    return backTo(request, reply, userPath(user.id), 'reactivated');
  });

  app.post<IdParams>(`${USER_PATHS.list}/:id/delete`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const self = isSelf(request, reply, admin, user);
    if (self) return self;
    const label = displayedName(user) ?? user.email ?? user.id;
    const asked = ctx.askFirst(request, reply, admin, 'users', {
      title: `Delete ${label}?`,
      message: 'The account is removed for good: they can no longer sign in, their sessions and app authorizations end, and their links stop working. This cannot be undone.',
      action: userPath(user.id, 'delete'),
      confirmLabel: 'Delete',
      cancelHref: userPath(user.id),
    });
    if (asked) return asked;
    try {
      await registry.delete('User', user.id, admin.caller);
    } catch (err) {
      // Deleted meanwhile: the same outcome.
      if (!(err instanceof AdminError && err.status === 404)) throw err;
    }
    return backTo(request, reply, USER_PATHS.list, 'deleted');
  });

  app.get<IdParams>(`${USER_PATHS.list}/:id/fhir-user`, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const query = request.query as Record<string, unknown>;
    const searched = typeof query.q === 'string';
    const text = typeof query.q === 'string' ? query.q.trim() : '';
    const kind = query.kind === 'Patient' || query.kind === 'Practitioner' ? query.kind : 'any';
    const frame = ctx.frame(request, reply, admin, 'users');
    const base = { frame, userId: user.id, userLabel: displayedName(user) ?? user.email ?? user.id, ...(user.fhirUser ? { current: user.fhirUser } : {}) };
    if (text.length > MAX_SEARCH_TEXT) return ctx.page(reply, 400, renderUserFhirUserPage({ ...base, search: { text: '', kind }, found: [], error: `The search text may have at most ${MAX_SEARCH_TEXT} characters.` }));
    const people = searched ? await findPeople(deps.directoryAt(tenantOf(user)), text, kind) : [];
    return ctx.page(reply, 200, renderUserFhirUserPage({ ...base, ...(searched ? { search: { text, kind } } : {}), found: people }));
  });

  app.post<IdParams>(`${USER_PATHS.list}/:id/fhir-user`, ctx.guarded, async (request, reply) => {
    const found = await admittedWithUser(request, reply);
    if (!found) return reply;
    const { admin, user } = found;
    const reference = formField(request.body, 'fhirUser').trim();
    const { fhirUser: _previous, ...rest } = user;
    if (reference === '') {
      await registry.put('User', user.id, rest, admin.caller);
      return backTo(request, reply, userPath(user.id), 'linked');
    }
    const match = FHIR_PERSON.exec(reference);
    // Only what the search offers: a live patient or practitioner of the User's own tenant.
    const exists = match !== null && (await findPeople(deps.directoryAt(tenantOf(user)), match[2] ?? '', match[1] as 'Patient' | 'Practitioner')).some((p) => p.reference === reference);
    if (!exists) {
      const frame = ctx.frame(request, reply, admin, 'users');
      return ctx.page(reply, 422, renderUserFhirUserPage({
        frame, userId: user.id, userLabel: displayedName(user) ?? user.email ?? user.id, ...(user.fhirUser ? { current: user.fhirUser } : {}), found: [],
        error: 'Pick a patient or practitioner of this tenant from the search.',
      }));
    }
    await registry.put('User', user.id, { ...rest, fhirUser: reference }, admin.caller);
    return backTo(request, reply, userPath(user.id), 'linked');
  });
}

/** The patients and practitioners matching `text`, as the search lists them (patients first). */
async function findPeople(directory: Pick<PatientDirectory, 'findPatients' | 'findPractitioners'>, text: string, kind: 'any' | 'Patient' | 'Practitioner'): Promise<FhirPersonChoice[]> {
  const [patients, practitioners] = await Promise.all([
    kind === 'Practitioner' ? [] : directory.findPatients(text, FOUND_PER_KIND),
    kind === 'Patient' ? [] : directory.findPractitioners(text, FOUND_PER_KIND),
  ]);
  return [
    ...patients.map((p): FhirPersonChoice => ({ reference: `Patient/${p.id}`, kind: 'Patient', ...(p.name ? { name: p.name } : {}), ...(p.birthDate ? { birthDate: p.birthDate } : {}) })),
    ...practitioners.map((p): FhirPersonChoice => ({ reference: `Practitioner/${p.id}`, kind: 'Practitioner', ...(p.name ? { name: p.name } : {}) })),
  ];
}

/** A User's name as one line, whichever shape it has. */
function displayedName(user: User): string | undefined {
  const name = user.name;
  if (typeof name === 'string') return name.trim() || undefined;
  if (!name) return undefined;
  return name.formatted?.trim() || [name.givenName, name.familyName].filter(Boolean).join(' ').trim() || undefined;
}

function formValues(body: unknown): UserFormValues {
  const raw = body && typeof body === 'object' ? (body as FormBody).roles : undefined;
  const roles = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { name: formField(body, 'name'), email: formField(body, 'email'), roles: [...new Set(roles)], fhirUser: formField(body, 'fhirUser') };
}

/** The admin API's User body of the form's values over the stored User (`previous`; none: a new one). */
function userBody(values: UserFormValues, previous: StoredUser | undefined): Record<string, unknown> {
  const { name: _name, email: _email, roles: _roles, fhirUser: _fhirUser, ...kept } = previous ?? { resourceType: 'User' };
  const name = values.name.trim();
  const fhirUser = values.fhirUser.trim();
  return {
    ...kept,
    resourceType: 'User',
    ...(name ? { name } : {}),
    email: values.email.trim(),
    roles: values.roles,
    ...(fhirUser ? { fhirUser } : {}),
  };
}

/** The service's validation problems by form field; undefined when one is not a field's (then not a form problem). */
function fieldProblems(err: unknown): Partial<Record<UserFormField, string>> | undefined {
  if (!(err instanceof AdminError) || (err.status !== 422 && err.status !== 409)) return undefined;
  const errors: Partial<Record<UserFormField, string>> = {};
  for (const issue of err.issues) {
    const field = /^User\.(name|email|roles|fhirUser)\b/.exec(issue.expression?.[0] ?? '')?.[1] as UserFormField | undefined;
    if (!field) return undefined;
    errors[field] ??= sentence(issue.diagnostics.replace(/^User\.[^:]*: /, ''));
  }
  return Object.keys(errors).length ? errors : undefined;
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
