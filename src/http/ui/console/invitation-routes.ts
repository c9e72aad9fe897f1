import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PasswordLinks } from '../../../auth/console/password-links.ts';
import { ENDPOINTS } from '../../../endpoints.ts';
import { renderInvitationPage, type InvitationField } from '../../../ui/invitation-page.ts';
import { renderMessagePage } from '../../../ui/message-page.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { formField } from '../form-body.ts';
import { siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';

type TokenParams = { Params: { token: string } };

/**
 * The page of a one-time set-password link (an administrator's invitation or reset): outside the console, for the
 * person it was handed to, who is signed in nowhere yet. A used, expired or unknown link is one answer, 404.
 */
export function invitationRoutes(app: FastifyInstance, ctx: ConsoleContext, links: PasswordLinks): void {
  const path = `${ENDPOINTS.invitation.path}/:token`;
  const invalid = (request: FastifyRequest, reply: FastifyReply) => {
    const site = siteOf(request);
    return ctx.page(reply, 404, renderMessagePage({
      title: 'This link does not work',
      message: 'It was used already, has expired, or was replaced by a newer one. Ask your administrator for a new link.',
      link: { href: pagePath(site, ENDPOINTS.login.path), text: 'Sign in' },
      site,
    }));
  };

  app.get<TokenParams>(path, async (request, reply) => {
    const opened = await links.open(request.params.token);
    if (!opened.valid) return invalid(request, reply);
    return ctx.page(reply, 200, renderInvitationPage({
      csrfToken: reply.generateCsrf(),
      token: request.params.token,
      purpose: opened.purpose,
      ...(opened.user.email ? { email: opened.user.email } : {}),
      site: siteOf(request),
    }));
  });

  app.post<TokenParams>(path, ctx.guarded, async (request, reply) => {
    const token = request.params.token;
    const password = formField(request.body, 'password');
    const refused = async (errors: Partial<Record<InvitationField, string>>) => {
      const opened = await links.open(token);
      if (!opened.valid) return invalid(request, reply);
      return ctx.page(reply, 422, renderInvitationPage({
        csrfToken: reply.generateCsrf(),
        token,
        purpose: opened.purpose,
        ...(opened.user.email ? { email: opened.user.email } : {}),
        errors,
        site: siteOf(request),
      }));
    };
    if (password !== formField(request.body, 'repeat')) return refused({ repeat: 'The two passwords differ: type the same one twice.' });
    const outcome = await links.setPassword(token, password, request.ip);
    if (outcome.outcome === 'invalid-link') return invalid(request, reply);
    if (outcome.outcome === 'refused') return refused({ password: `The password ${outcome.problem}.` });
    // Signed in the ordinary way, with the password just chosen.
    return reply.code(303).header('location', pagePath(siteOf(request), ENDPOINTS.login.path)).send();
  });
}
