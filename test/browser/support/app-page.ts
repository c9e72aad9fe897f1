import type { Page } from 'playwright-core';

/** What the test app's index.html shows once `FHIR.oauth2.ready()` and `client.patient.read()` are done. */
export interface AppOutcome {
  patientId: string;
  patientName: string;
  tokenPatient: string;
  tokenScope: string;
  error: string;
}

/** Signs in on Portico's sign-in page (inputs `username`, `password`). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/auth/login');
  await page.fill('input[name=username]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/auth/login'), page.click('button[type=submit]')]).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\nstill on the sign-in page after signing in as ${email}:\n${await page.locator('body').innerText()}`);
  });
}

/** Allows on Portico's consent page, every offered scope left as it is (checked). */
export async function allow(page: Page): Promise<void> {
  await page.click('button[name=decision][value=allow]');
}

/** Waits for the app's redirect page to finish, then reads what it shows. */
export async function appOutcome(page: Page, redirectUri: string): Promise<AppOutcome> {
  await page.waitForURL((url) => url.href.startsWith(redirectUri));
  await page.locator('#done', { hasText: 'done' }).waitFor();
  const text = (id: string) => page.locator(`#${id}`).innerText();
  return {
    patientId: await text('patient-id'),
    patientName: await text('patient-name'),
    tokenPatient: await text('token-patient'),
    tokenScope: await text('token-scope'),
    error: await text('error'),
  };
}
