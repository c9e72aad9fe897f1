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
