import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { USER_PATHS, userPath } from './user-paths.ts';

/** A User as the list shows it. */
export interface UserRow {
  id: string;
  name?: string;
  email?: string;
  roles: readonly string[];
  active: boolean;
  /** Its tenant's id (shown at the root's console only). */
  tenant?: string;
}

/** The list's filters as the form holds them ('' for any). */
export interface UserFilters {
  text: string;
  role: string;
  status: '' | 'active' | 'inactive';
}

export interface UsersPageModel {
  frame: ConsoleFrame;
  filters: UserFilters;
  /** The roles to filter by. */
  roles: readonly string[];
  users: readonly UserRow[];
  window: PageWindow;
  /** The root's console lists every tenant's Users: with a column saying whose. */
  showTenant: boolean;
  notice?: string;
}

/** The query string of the list with these filters, at page `page`. */
export function usersQuery(filters: UserFilters, page: number): string {
  const query = new URLSearchParams();
  if (filters.text) query.set('q', filters.text);
  if (filters.role) query.set('role', filters.role);
  if (filters.status) query.set('status', filters.status);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The Users: a search (email, name or id; role; active), a page of matches, a way to add one. */
export function renderUsersPage(model: UsersPageModel): string {
  const { frame, filters } = model;
  const site = frame.site;
  const option = (value: string, label: string, chosen: string) => html`<option value="${value}"${value === chosen ? html` selected` : ''}>${label}</option>`;
  const headings = ['Name', 'Email', 'Roles', 'Status', ...(model.showTenant ? ['Tenant'] : [])];
  const rows = model.users.map((user) => [
    html`<a href="${pagePath(site, userPath(user.id))}">${user.name ?? user.email ?? user.id}</a>`,
    user.email ?? '',
    user.roles.join(', '),
    user.active ? 'Active' : 'Deactivated',
    ...(model.showTenant ? [user.tenant ?? 'default'] : []),
  ]);
  return consoleLayout(
    'Users',
    html`<h1>Users</h1>
${notice(model.notice)}
<p><a class="button-link primary" href="${pagePath(site, USER_PATHS.create)}">Add a user</a></p>
<form method="get" action="${pagePath(site, USER_PATHS.list)}" role="search" aria-label="Users">
<div class="filters">
<div><label for="q">Email, name or id contains</label>
<input id="q" name="q" type="text" value="${filters.text}"></div>
<div><label for="role">Role</label>
<select id="role" name="role">${option('', 'Any role', filters.role)}${model.roles.map((role) => option(role, role, filters.role))}</select></div>
<div><label for="status">Status</label>
<select id="status" name="status">${option('', 'Any', filters.status)}${option('active', 'Active', filters.status)}${option('inactive', 'Deactivated', filters.status)}</select></div>
<div><button type="submit">Search</button></div>
</div>
</form>
${model.users.length === 0 ? html`<p>No users match.</p>` : dataTable('Users', headings, rows)}
${pager(model.window, (page) => pagePath(site, `${USER_PATHS.list}${usersQuery(filters, page)}`), 'Pages of users')}`,
    frame,
  );
}
