import type { FastifyInstance } from 'fastify';
import { bodyText } from '../body-text.ts';
import { describeForbidden, findInUrlEncoded } from '../forbidden-characters.ts';
import { BodyError } from '../json-body.ts';

export type FormBody = Record<string, string | string[]>;

/** The largest form the pages accept: a sign-in or consent form is a few kilobytes at most. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * HTML forms (`application/x-www-form-urlencoded`, WHATWG URL §5) are the only bodies the pages take. One
 * that is not UTF-8, is malformed or holds a NUL or a lone surrogate is a 400 (the surface's error page).
 */
export function acceptForms(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: MAX_FORM_BYTES }, (_req, bytes, done) => {
    try {
      const text = bodyText(bytes as Buffer);
      const forbidden = findInUrlEncoded(text, 'text', 'form field');
      if (forbidden) throw new BodyError(400, describeForbidden(forbidden));
      const body: FormBody = Object.create(null) as FormBody;
      for (const [name, value] of new URLSearchParams(text)) {
        const seen = body[name];
        body[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
      }
      done(null, body);
    } catch (err) {
      done(err as Error);
    }
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
