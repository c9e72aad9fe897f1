import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderMessagePage } from '../../ui/message-page.ts';

/**
 * Refuses a form POST whose `Origin` (RFC 6454 §7, sent by browsers on every POST) is not ours, before the
 * CSRF token is even looked at. Absent (old clients): the CSRF token alone decides.
 */
export function crossSiteGuard(origin: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const sent = request.headers.origin;
    if (sent !== undefined && sent !== origin) {
      return reply.code(403).type('text/html; charset=utf-8').send(refusedFormPage());
    }
  };
}

export function refusedFormPage(): string {
  return renderMessagePage({
    title: 'Form refused',
    message: 'This form has expired or was not sent from this site. Go back, reload the page and try again.',
    link: { href: '/auth/login', text: 'Sign in' },
  });
}
