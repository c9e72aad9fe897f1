import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redirectTo, type AuthorizeOutcome } from '../../auth/authorize/authorize-outcome.ts';
import { runAuthorize } from '../../auth/authorize/authorize-pipeline.ts';
import { authorizeQuery, readAuthorizeParams, type AuthorizeParams } from '../../auth/authorize/authorize-request.ts';
import type { AuthorizeDeps, ConsentDecision } from '../../auth/authorize/authorize-step.ts';
import { requireSession } from '../../auth/authorize/steps/require-session.ts';
import { renderConsentPage } from '../../ui/consent-page.ts';
import { renderEncounterPickerPage } from '../../ui/encounter-picker-page.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { renderPatientPickerPage } from '../../ui/patient-picker-page.ts';
import { describeForbidden, findInFields, findInUrlEncoded } from '../forbidden-characters.ts';
import { crossSiteGuard } from './cross-site-guard.ts';
import { formField, hasField, type FormBody } from './form-body.ts';
import { refusedRequest } from './refused-request.ts';
import { consentScopes } from './scope-lines.ts';
import { readCurrentSession, sessionIdFrom } from './session-cookie.ts';
import type { UiPluginOptions } from './ui-plugin.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { upstreamPrompts } from '../../auth/federation/upstream-client.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { allowImageFrom, siteOf } from './page-site-of.ts';

const AUTHORIZE_PATH = ENDPOINTS.authorization.path;
const DECISION_PATH = ENDPOINTS.authorizationDecision.path;
/** The consent form carries the original request in this one hidden field (its `scope` would clash with the checkboxes). */
const REQUEST_FIELD = 'authorize_request';

/**
 * GET and POST /auth/authorize (SMART `authorize-post`: a POSTed request is the same request), and the
 * consent form's answer. The decisions are the pipeline's (src/auth/authorize); this file only translates.
 * POST /auth/authorize is not CSRF-checked: apps post it from their own origin by design, and it grants
 * nothing without the user's consent (or a first-party client, exactly as the GET would).
 *
 * A cross-site POST arrives without the SameSite=Lax session cookie, so the signed-in user would look signed
 * out: when such a POST is otherwise sound (the pipeline got as far as asking for a session, i.e. client,
 * redirect_uri and every request check passed), it is answered 303 to the same request as a GET, a top-level
 * navigation that does carry the Lax cookie (RFC 6265bis SameSite=Lax; SMART `authorize-post`). That holds
 * for `prompt=none` too, whose answer at that point would otherwise be `login_required`.
 */
export function authorizeRoutes(app: FastifyInstance, options: UiPluginOptions, deps: AuthorizeDeps): void {
  const decide = async (request: FastifyRequest, params: AuthorizeParams, decision?: ConsentDecision) => {
    const session = await readCurrentSession(request, options.sessions, options.cookies);
    return runAuthorize({ params, session, address: request.ip, ...(decision ? { decision } : {}) }, deps);
  };

  app.get(AUTHORIZE_PATH, async (request, reply) => {
    const params = withoutControls(readAuthorizeParams(request.query));
    return answer(reply, siteOf(request), (await decide(request, params)).outcome, params, 302);
  });
  app.post(AUTHORIZE_PATH, async (request, reply) => {
    const params = withoutControls(readAuthorizeParams(request.body));
    const { outcome, decidedBy } = await decide(request, params);
    if (decidedBy === requireSession.name && sessionIdFrom(request, options.cookies) === undefined) {
      return reply.code(303).header('location', `${pagePath(siteOf(request), AUTHORIZE_PATH)}?${authorizeQuery(params)}`).send();
    }
    return answer(reply, siteOf(request), outcome, params, 303);
  });

  app.post(DECISION_PATH, { preHandler: [crossSiteGuard(options.origin), app.csrfProtection] }, async (request, reply) => {
    const original = formField(request.body, REQUEST_FIELD);
    const forbidden = findInUrlEncoded(original, 'controls', 'parameter');
    if (forbidden) throw refusedRequest(describeForbidden(forbidden));
    const params = readAuthorizeParams(Object.fromEntries(new URLSearchParams(original)));
    const choice = formField(request.body, 'decision');
    // The pickers (before consent) answer with their own buttons; the consent page with Allow or Deny.
    const pickerAnswer = hasField(request.body, 'patient_action') || hasField(request.body, 'encounter_action');
    if (choice !== 'allow' && choice !== 'deny' && !(choice === '' && pickerAnswer)) {
      return reply.code(400).type('text/html; charset=utf-8').send(renderMessagePage({ title: 'Request refused', message: 'Choose Allow or Deny.', site: siteOf(request) }));
    }
    const decision = { ...(choice === '' ? {} : { allow: choice === 'allow' }), scopes: checkedScopes(request.body), ...pickerChoices(request.body) };
    return answer(reply, siteOf(request), (await decide(request, params, decision)).outcome, params, 303);
  });
}

/**
 * No authorization request parameter holds a control character (RFC 6749 Appendix A: VSCHAR, NQCHAR or a
 * URI-reference); one that does is the page's 400, not a redirect (the request is malformed, RFC 6749 §4.1.2.1).
 */
function withoutControls(params: AuthorizeParams): AuthorizeParams {
  const forbidden = findInFields(params.values, 'controls');
  if (forbidden) throw refusedRequest(describeForbidden(forbidden));
  return params;
}

function answer(reply: FastifyReply, site: PageSite, outcome: AuthorizeOutcome, params: AuthorizeParams, redirectStatus: 302 | 303) {
  const page = (status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const action = pagePath(site, DECISION_PATH);
  switch (outcome.kind) {
    case 'error-page':
      return page(400, renderMessagePage({ title: outcome.title, message: outcome.message, site }));
    case 'redirect':
      return reply.code(redirectStatus).header('location', redirectTo(outcome.redirectUri, outcome.response)).send();
    case 'sign-in': {
      // A POSTed request comes back as a GET with the same parameters (less a prompt the sign-in answers).
      const returnTo = `${pagePath(site, AUTHORIZE_PATH)}?${authorizeQuery(outcome.params ?? params)}`;
      // idp_hint: straight to that identity provider (its start sends an unknown one to the sign-in page).
      const hint = params.values.idp_hint;
      const signIn = hint ? `${pagePath(site, ENDPOINTS.federation.path)}/${encodeURIComponent(hint)}/start` : pagePath(site, ENDPOINTS.login.path);
      // prompt=login or select_account goes with it, for an identity provider to authenticate again (OIDC Core §3.1.2.1).
      const prompts = upstreamPrompts(params.values.prompt);
      const prompt = prompts.length > 0 ? `&prompt=${encodeURIComponent(prompts.join(' '))}` : '';
      return reply.code(303).header('location', `${signIn}?return_to=${encodeURIComponent(returnTo)}${prompt}`).send();
    }
    case 'consent':
      if (outcome.app.logo) allowImageFrom(reply.request, outcome.app.logo);
      return page(
        200,
        renderConsentPage({
          clientName: outcome.clientName,
          app: outcome.app,
          subject: outcome.subject,
          // A patient reads about their own record; anyone else acts on a patient's.
          ...consentScopes(outcome.scopes, outcome.categories, outcome.subject.kind === 'own' ? 'own' : 'patient'),
          redirectHost: outcome.redirectHost,
          unverified: outcome.unverified,
          csrfToken: reply.generateCsrf(),
          action,
          site,
          // The patient and visit chosen on the pickers before, carried to the answer (checked again there).
          hidden: {
            [REQUEST_FIELD]: authorizeQuery(params),
            ...(outcome.subject.kind === 'patient' ? { patient: outcome.subject.id } : {}),
            ...(outcome.encounter !== undefined ? { encounter: outcome.encounter } : {}),
          },
        }),
      );
    case 'pick-patient':
      return page(
        200,
        renderPatientPickerPage({
          clientName: outcome.clientName,
          csrfToken: reply.generateCsrf(),
          action,
          site,
          hidden: { [REQUEST_FIELD]: authorizeQuery(params) },
          search: outcome.search,
          patients: outcome.patients.map(({ id, name, birthDate }) => ({ id, name, birthDate })),
          ...(outcome.error ? { error: outcome.error } : {}),
        }),
      );
    case 'pick-encounter':
      return page(
        200,
        renderEncounterPickerPage({
          clientName: outcome.clientName,
          patient: outcome.patient,
          csrfToken: reply.generateCsrf(),
          action,
          site,
          hidden: { [REQUEST_FIELD]: authorizeQuery(params) },
          encounters: outcome.encounters.map(({ id, date, type, status }) => ({ id, date, type, status })),
          ...(outcome.error ? { error: outcome.error } : {}),
        }),
      );
  }
}

/**
 * The pickers' answers: the Search button (`patient_action=search`) asks for a list, not a choice; a
 * `patient` or `encounter` field (or its Continue button, even with nothing chosen) is a choice.
 */
function pickerChoices(body: unknown): Pick<ConsentDecision, 'patient' | 'patientSearch' | 'encounter'> {
  if (formField(body, 'patient_action') === 'search') return { patientSearch: formField(body, 'patient_search') };
  const choosesPatient = hasField(body, 'patient') || formField(body, 'patient_action') === 'choose';
  const choosesEncounter = hasField(body, 'encounter') || formField(body, 'encounter_action') === 'choose';
  return {
    ...(choosesPatient ? { patient: formField(body, 'patient') } : {}),
    ...(choosesEncounter ? { encounter: formField(body, 'encounter') } : {}),
  };
}

/** The checked `scope` boxes (one or many). */
function checkedScopes(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const value = (body as FormBody).scope;
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}
