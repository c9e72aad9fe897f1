import { PROMPT_VALUES, promptsOf } from '../authorize-request.ts';
import { refuse, type AuthorizeStep } from '../authorize-step.ts';

/** RFC 6749 §3.1: request parameters must not be included more than once. */
export const checkNoRepeats: AuthorizeStep = {
  name: 'check-no-repeats',
  run(input, state) {
    const [first] = input.params.repeated;
    return first ? refuse(input, state, 'invalid_request', `${first} must not be repeated`) : undefined;
  },
};

/** Only the authorization code flow (SMART App Launch: response_type=code). */
export const checkResponseType: AuthorizeStep = {
  name: 'check-response-type',
  run(input, state) {
    const responseType = input.params.values.response_type;
    if (!responseType) return refuse(input, state, 'invalid_request', 'response_type is required');
    if (responseType !== 'code') return refuse(input, state, 'unsupported_response_type', 'only response_type=code is supported');
    const grantTypes = state.client?.grant_types;
    if (grantTypes && !grantTypes.includes('authorization_code')) {
      return refuse(input, state, 'unauthorized_client', 'this client may not use the authorization code grant');
    }
    return undefined;
  },
};

/** SMART App Launch 2.2 §"Obtain authorization code": `state` is required. */
export const checkState: AuthorizeStep = {
  name: 'check-state',
  run(input, state) {
    return input.params.values.state ? undefined : refuse(input, state, 'invalid_request', 'state is required');
  },
};

/**
 * OIDC Core §3.1.2.1 `prompt`: known values only, and `none` alone ("If this parameter contains none with any
 * other value, an error is returned"). An unknown value is refused rather than ignored: the app asked for
 * something this server would not do.
 */
export const checkPrompt: AuthorizeStep = {
  name: 'check-prompt',
  run(input, state) {
    const prompts = promptsOf(input.params);
    // The value is not echoed: error_description allows only some ASCII (RFC 6749 §4.1.2.1).
    if ([...prompts].some((value) => !(PROMPT_VALUES as readonly string[]).includes(value))) {
      return refuse(input, state, 'invalid_request', `prompt has a value this server does not support (supported: ${PROMPT_VALUES.join(', ')})`);
    }
    if (prompts.has('none') && prompts.size > 1) return refuse(input, state, 'invalid_request', 'prompt=none cannot be combined with other prompt values');
    return undefined;
  },
};

const withoutTrailingSlash = (url: string) => url.replace(/\/$/, '');

/** `aud` must be this server's FHIR base (SMART App Launch 2.2; RFC 8707): a token for another server is never issued. */
export const checkAudience: AuthorizeStep = {
  name: 'check-audience',
  run(input, state, deps) {
    const aud = input.params.values.aud;
    if (!aud) return refuse(input, state, 'invalid_request', 'aud is required: the FHIR base URL the app will use');
    if (withoutTrailingSlash(aud) !== withoutTrailingSlash(deps.fhirBaseUrl)) {
      return refuse(input, state, 'invalid_request', 'aud is not the FHIR base URL of this server');
    }
    return undefined;
  },
};
