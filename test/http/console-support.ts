import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startPortico, type Driver, type TestPortico } from '../support/portico.ts';
import { browser, type Browser } from './login-support.ts';

export const ROOT_SECRET = 'a-production-root-secret-of-length';
export const rootBasic = `Basic ${Buffer.from(`root:${ROOT_SECRET}`).toString('base64')}`;

/** The accounts every console test starts with: a global administrator, a tenant's, and a User without the role. */
export const GLOBAL_ADMIN = { id: 'console-admin', email: 'admin@example.org', password: 'an-admin-password-1' };
export const TENANT = 'north';
export const TENANT_ADMIN = { id: 'north-admin', email: 'north-admin@example.org', password: 'a-north-admin-password-1' };
export const CLERK = { id: 'console-clerk', email: 'clerk@example.org', password: 'a-clerk-password-1' };

/** A production-mode settings set (root secret, secrets key, session secret) unless `mode` is sandbox. */
export function consoleEnv(mode: 'production' | 'sandbox'): Record<string, string> {
  return mode === 'sandbox'
    ? { ADMIN_CLIENT_SECRET: ROOT_SECRET }
    : { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: ROOT_SECRET, SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'), SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars' };
}

/** PUT through the admin API as the root client; any status but 200/201 fails the test. */
export async function rootPut(app: FastifyInstance, path: string, body: unknown): Promise<void> {
  const res = await app.inject({ method: 'PUT', url: path, headers: { authorization: rootBasic, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  assert.ok(res.statusCode === 200 || res.statusCode === 201, `PUT ${path}: ${res.statusCode} ${res.body}`);
}

/** A Portico with the console's accounts: tenant `north` and its administrator, a global administrator, a clerk. */
export async function startConsolePortico(driver: Driver, mode: 'production' | 'sandbox', env: Record<string, string> = {}): Promise<TestPortico> {
  const portico = await startPortico(driver, { ...consoleEnv(mode), ...env });
  const app = portico.app;
  await rootPut(app, `/Tenant/${TENANT}`, { resourceType: 'Tenant', name: 'North Clinic', active: true });
  await rootPut(app, `/User/${GLOBAL_ADMIN.id}`, { resourceType: 'User', email: GLOBAL_ADMIN.email, password: GLOBAL_ADMIN.password, name: 'Ada Admin', roles: ['admin'] });
  await rootPut(app, `/User/${TENANT_ADMIN.id}`, { resourceType: 'User', email: TENANT_ADMIN.email, password: TENANT_ADMIN.password, name: 'Nora North', roles: ['admin'], meta: { _tenant: TENANT } });
  await rootPut(app, `/User/${CLERK.id}`, { resourceType: 'User', email: CLERK.email, password: CLERK.password, roles: ['developer'] });
  return portico;
}

/**
 * A browser signed in to the console as `account` at `prefix` ('' or `/t/{tenant}`), through the sign-in page;
 * fails the test unless the console's dashboard answers 200.
 */
export async function consoleBrowser(app: FastifyInstance, account: { email: string; password: string }, prefix = ''): Promise<Browser> {
  const b = browser(app);
  const login = await b.get(`${prefix}/auth/login?return_to=${encodeURIComponent(`${prefix}/admin`)}`);
  assert.equal(login.statusCode, 200, login.body);
  const token = /name="csrf_token" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
  const signedIn = await b.post(`${prefix}/auth/login`, { username: account.email, password: account.password, csrf_token: token, return_to: `${prefix}/admin` });
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  const dashboard = await b.get(`${prefix}/admin`);
  assert.equal(dashboard.statusCode, 200, dashboard.body);
  return b;
}
