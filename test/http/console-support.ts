import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { startPortico, type Driver, type TestPortico } from '../support/portico.ts';
import { Secret, TOTP } from 'otpauth';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

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

/** The TOTP secret each account enrolled, per Portico (production: consoleBrowser enrols at the first sign-in). */
const enrolled = new WeakMap<FastifyInstance, Map<string, Enrolled>>();

interface Enrolled {
  secret: string;
  /** The last time step whose code the server accepted (or was sent). */
  lastStep: number;
  /** Recovery codes not used yet: a sign-in when no step is free (two already used within the window) takes one. */
  recoveryCodes: string[];
}

const STEP_MS = 30_000;

/** The code of `secret` for time step `step` (RFC 6238, the app's settings: SHA-1, 6 digits, 30 s). */
export function totpCodeAt(secret: string, step: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * STEP_MS + 1 });
}

/** The current time step of the real clock (the server's, unless a test injects another). */
export const currentStep = () => Math.floor(Date.now() / STEP_MS);

/** The last time step of `email`'s codes consoleBrowser sent (accepted, but by a throttled account). */
export function lastStepSent(app: FastifyInstance, email: string): number | undefined {
  return enrolled.get(app)?.get(email)?.lastStep;
}

/** The secret `email` enrolled on this Portico through consoleBrowser, if any. */
export function enrolledSecret(app: FastifyInstance, email: string): string | undefined {
  return enrolled.get(app)?.get(email)?.secret;
}

/**
 * A code for an account enrolled through consoleBrowser that the server has not accepted yet (RFC 6238 §5.2: each
 * step once): the next step after the last one used, within the server's window of one step either side of now,
 * waiting for the clock when the next one is not due yet.
 */
export async function freshCode(app: FastifyInstance, email: string): Promise<string> {
  const entry = enrolled.get(app)?.get(email);
  assert.ok(entry, `${email} enrolled no second factor through consoleBrowser`);
  let step = Math.max(currentStep() - 1, entry.lastStep + 1);
  while (step > currentStep() + 1) await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 10));
  step = Math.max(currentStep() - 1, step);
  entry.lastStep = step;
  return totpCodeAt(entry.secret, step);
}

/**
 * A browser signed in to the console as `account` at `prefix` ('' or `/t/{tenant}`), through the sign-in page;
 * fails the test unless the console's dashboard answers 200. Where the second factor is due (production), it
 * enrols it at the first sign-in (the secret read from the page, codes computed here) and presents it afterwards.
 */
export async function consoleBrowser(app: FastifyInstance, account: { email: string; password: string }, prefix = ''): Promise<Browser> {
  const b = browser(app);
  const login = await b.get(`${prefix}/auth/login?return_to=${encodeURIComponent(`${prefix}/admin`)}`);
  assert.equal(login.statusCode, 200, login.body);
  const token = /name="csrf_token" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
  const signedIn = await b.post(`${prefix}/auth/login`, { username: account.email, password: account.password, csrf_token: token, return_to: `${prefix}/admin` });
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  let dashboard = await b.get(`${prefix}/admin`);
  if (dashboard.statusCode === 303 && String(dashboard.headers.location).startsWith(`${prefix}/admin/second-factor`)) {
    await presentSecondFactor(b, app, account.email, String(dashboard.headers.location));
    dashboard = await b.get(`${prefix}/admin`);
  }
  assert.equal(dashboard.statusCode, 200, dashboard.body);
  return b;
}

/** Follows the console's redirect to its second-factor page: enrols (first time) or presents a fresh code. */
async function presentSecondFactor(b: Browser, app: FastifyInstance, email: string, location: string): Promise<void> {
  let page = await b.get(location);
  if (page.statusCode === 303) page = await b.get(String(page.headers.location));
  assert.equal(page.statusCode, 200, page.body);
  const csrf = csrfTokenIn(page.body);
  const returnTo = /name="return_to" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const action = /<form method="post" action="([^"]+\/second-factor[^"]*)"/.exec(page.body)?.[1] ?? '';
  const secret = /id="totp-secret" type="text" readonly value="([A-Z2-7]+)"/.exec(page.body)?.[1];
  if (secret) {
    const step = currentStep();
    const done = await b.post(action, { csrf_token: csrf, return_to: returnTo, code: totpCodeAt(secret, step) });
    assert.equal(done.statusCode, 200, done.body);
    assert.match(done.body, /Your recovery codes/);
    const recoveryCodes = (/<textarea id="recovery-codes"[^>]*>([^<]*)<\/textarea>/.exec(done.body)?.[1] ?? '').split('\n').filter(Boolean);
    const accounts = enrolled.get(app) ?? new Map<string, Enrolled>();
    enrolled.set(app, accounts);
    accounts.set(email, { secret, lastStep: step, recoveryCodes });
    return;
  }
  // A TOTP code when one is free now; else a recovery code rather than waiting up to 30 s for the next step.
  const entry = enrolled.get(app)?.get(email);
  const spare = entry && entry.lastStep + 1 > currentStep() + 1 ? entry.recoveryCodes.shift() : undefined;
  const done = await b.post(action, { csrf_token: csrf, return_to: returnTo, code: spare ?? (await freshCode(app, email)) });
  assert.equal(done.statusCode, 303, done.body);
}
