import type { FastifyInstance } from 'fastify';

export type FormBody = Record<string, string | string[]>;

/** The largest form the pages accept: a sign-in or consent form is a few kilobytes at most. */
const MAX_FORM_BYTES = 64 * 1024;

/** HTML forms (`application/x-www-form-urlencoded`, WHATWG URL §5) are the only bodies the pages take. */
export function acceptForms(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: MAX_FORM_BYTES }, (_req, text, done) => {
    const body: FormBody = Object.create(null) as FormBody;
    for (const [name, value] of new URLSearchParams(text as string)) {
      const seen = body[name];
      body[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, body);
  });
}

/** One field as a string; a missing or repeated field is empty (repeats of single fields are never legitimate). */
export function formField(body: unknown, name: string): string {
  if (!body || typeof body !== 'object') return '';
  const value = (body as FormBody)[name];
  return typeof value === 'string' ? value : '';
}

/** Whether the form has the field at all (an unselected radio group sends nothing). */
export function hasField(body: unknown, name: string): boolean {
  return !!body && typeof body === 'object' && Object.prototype.hasOwnProperty.call(body, name);
}
