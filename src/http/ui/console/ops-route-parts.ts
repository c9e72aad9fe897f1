import type { FastifyReply, FastifyRequest } from 'fastify';
import { pagePath } from '../../../ui/page-site.ts';
import { formField } from '../form-body.ts';
import { siteOf } from '../page-site-of.ts';

/** Rows per page of the operations sections' lists. */
export const PAGE_SIZE = 20;
/** Longer than any email (RFC 5321 §4.5.3.1: 254 in a path) or client id the server makes: a mistake, said so. */
export const MAX_FILTER_LENGTH = 256;

/** The 1-based page a query names (`name`); anything else is the first page. */
export function pageNumber(query: unknown, name: string): number {
  const text = formField(query, name);
  const page = /^[1-9]\d{0,6}$/.test(text) ? Number(text) : 1;
  return page;
}

/** The window `{offset, count}` of page `page`. */
export const windowOf = (page: number) => ({ offset: (page - 1) * PAGE_SIZE, count: PAGE_SIZE });

/** A trimmed filter field, and its problem when it is too long. */
export function filterField(query: unknown, name: string): { value: string; error?: string } {
  const value = formField(query, name).trim();
  return value.length > MAX_FILTER_LENGTH ? { value: value.slice(0, MAX_FILTER_LENGTH), error: `At most ${MAX_FILTER_LENGTH} characters.` } : { value };
}

/** Whether the confirmation page's form was posted (the action runs only then). */
export const confirmed = (request: FastifyRequest) => formField(request.body, 'confirm') === 'yes';

/** After an action: back to the section (POST/redirect/GET), the outcome named by a code the page turns into words. */
export function backTo(request: FastifyRequest, reply: FastifyReply, path: string, done: string): FastifyReply {
  return reply.code(303).header('location', `${pagePath(siteOf(request), path)}?done=${done}`).send();
}
