import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleAdmin } from '../../../auth/console/console-admission.ts';
import { safeReturnTo } from '../../../auth/sessions/return-to.ts';
import type { CurrentSession } from '../../../auth/sessions/session-service.ts';
import { pagePath } from '../../../ui/page-site.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import {
  renderEnrolPage,
  renderRecoveryCodesPage,
  renderSecondFactorStatusPage,
  renderVerifyPage,
  SECOND_FACTOR_ENROL_PATH,
} from '../../../ui/console/second-factor-pages.ts';
import { formField } from '../form-body.ts';
import { allowOwnScripts, siteOf } from '../page-site-of.ts';
import type { ConsoleContext } from './console-context.ts';

const WRONG_CODE = 'That code is not right. Type the code your app shows now (each code works once).';
const throttledMessage = (seconds: number) => `Too many wrong codes. Wait ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}, then try again.`;

/**
 * The administrator's second factor (/admin/second-factor): present it (a TOTP code or a recovery code), enrol it
 * (QR code, first code, recovery codes shown once), or see that it is on. Signed-in administrators only, whatever
 * their standing; `return_to` (a path on this server) is where they go once it is presented.
 */
export function secondFactorRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const factor = ctx.options.secondFactor;
  if (!factor) return;
  const home = (request: FastifyRequest) => pagePath(siteOf(request), CONSOLE_PATHS.home);
  const returnToOf = (request: FastifyRequest, source: unknown) => safeReturnTo(formField(source, 'return_to') || undefined, home(request));
  const withReturnTo = (path: string, returnTo: string) => `${path}?${new URLSearchParams({ return_to: returnTo }).toString()}`;
  const redirect = (reply: FastifyReply, location: string) => reply.code(303).header('location', location).send();
  /** Before it is presented, the pages show no navigation (every section would send them back here). */
  const frameFor = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, satisfied: boolean) => ({ ...ctx.frame(request, reply, admin), ...(satisfied ? {} : { bare: true }) });

  const enrolPage = async (request: FastifyRequest, reply: FastifyReply, signed: { admin: ConsoleAdmin; current: CurrentSession }, returnTo: string, status = 200, error?: string) => {
    const pending = await factor.beginEnrolment(signed.current.user);
    if (!pending) return redirect(reply, withReturnTo(pagePath(siteOf(request), CONSOLE_PATHS.secondFactor), returnTo));
    const standing = await factor.standing(signed.current);
    allowOwnScripts(request);
    return ctx.page(
      reply,
      status,
      renderEnrolPage({
        frame: frameFor(request, reply, signed.admin, standing === 'satisfied'),
        returnTo,
        uri: pending.uri,
        secret: pending.secret,
        required: standing === 'enrol',
        ...(error ? { error } : {}),
      }),
    );
  };
  const verifyPage = (request: FastifyRequest, reply: FastifyReply, admin: ConsoleAdmin, returnTo: string, status = 200, error?: string) =>
    ctx.page(reply, status, renderVerifyPage({ frame: frameFor(request, reply, admin, false), returnTo, ...(error ? { error } : {}) }));

  app.get(CONSOLE_PATHS.secondFactor, async (request, reply) => {
    const signed = await ctx.signedInAdmin(request, reply);
    if (!signed) return reply;
    const returnTo = returnToOf(request, request.query);
    const standing = await factor.standing(signed.current);
    if (standing === 'verify') return verifyPage(request, reply, signed.admin, returnTo);
    if (standing === 'enrol') return redirect(reply, withReturnTo(pagePath(siteOf(request), SECOND_FACTOR_ENROL_PATH), returnTo));
    const status = await factor.status(signed.admin.user.id);
    const asked = formField(request.query, 'return_to') !== '';
    return ctx.page(
      reply,
      200,
      renderSecondFactorStatusPage({
        frame: ctx.frame(request, reply, signed.admin),
        enrolled: status.enrolled,
        ...(status.enrolledAt ? { enrolledAt: status.enrolledAt } : {}),
        recoveryCodesLeft: status.recoveryCodesLeft,
        required: status.required,
        ...(asked ? { returnTo } : {}),
      }),
    );
  });

  app.post(CONSOLE_PATHS.secondFactor, ctx.guarded, async (request, reply) => {
    const signed = await ctx.signedInAdmin(request, reply);
    if (!signed) return reply;
    const returnTo = returnToOf(request, request.body);
    const result = await factor.verify(signed.current, formField(request.body, 'code'), request.ip);
    if (result.outcome === 'accepted') return redirect(reply, returnTo);
    if (result.outcome === 'throttled') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return verifyPage(request, reply, signed.admin, returnTo, 429, throttledMessage(result.retryAfterSeconds));
    }
    return verifyPage(request, reply, signed.admin, returnTo, 422, WRONG_CODE);
  });

  app.get(SECOND_FACTOR_ENROL_PATH, async (request, reply) => {
    const signed = await ctx.signedInAdmin(request, reply);
    if (!signed) return reply;
    return enrolPage(request, reply, signed, returnToOf(request, request.query));
  });

  app.post(SECOND_FACTOR_ENROL_PATH, ctx.guarded, async (request, reply) => {
    const signed = await ctx.signedInAdmin(request, reply);
    if (!signed) return reply;
    const returnTo = returnToOf(request, request.body);
    const result = await factor.confirmEnrolment(signed.current, formField(request.body, 'code'), request.ip);
    switch (result.outcome) {
      case 'enrolled':
        allowOwnScripts(request);
        return ctx.page(reply, 200, renderRecoveryCodesPage({ frame: frameFor(request, reply, signed.admin, false), returnTo, codes: result.recoveryCodes }));
      case 'not-pending':
        return redirect(reply, withReturnTo(pagePath(siteOf(request), CONSOLE_PATHS.secondFactor), returnTo));
      case 'throttled':
        reply.header('retry-after', String(result.retryAfterSeconds));
        return enrolPage(request, reply, signed, returnTo, 429, throttledMessage(result.retryAfterSeconds));
      case 'refused':
        return enrolPage(request, reply, signed, returnTo, 422, WRONG_CODE);
    }
  });
}
