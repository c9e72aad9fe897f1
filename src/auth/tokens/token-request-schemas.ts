import { z } from 'zod';
import { invalidRequest } from '../oauth-error.ts';

/**
 * The shapes of the token-side requests (RFC 6749 §3.2, §4.1.3, §4.4.2, §6; RFC 7662 §2.1; RFC 7009 §2.1), as the
 * endpoints parse them and as the OpenAPI document publishes them. Every value arrives as a string (the body
 * parsers flatten form and JSON bodies); unknown parameters are ignored (RFC 6749 §3.2: "MUST ignore unrecognized
 * request parameters"). The messages are the endpoints' own `error_description`s.
 */

/** The client authentication parameters a body may carry (RFC 6749 §2.3.1, RFC 7523 §2.2). */
const clientAuthentication = {
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  client_assertion_type: z.string().optional(),
  client_assertion: z.string().optional(),
};

/** A string parameter that must be present and not empty, refused with `message`. */
const required = (message: string) => z.string(message).min(1, message);

/** Every token request names its grant type first (RFC 6749 §4.1.3, §4.4.2, §6). */
export const tokenGrantTypeSchema = z.looseObject({ grant_type: required('grant_type is required') });

export const authorizationCodeRequestSchema = z.looseObject({
  grant_type: z.literal('authorization_code'),
  code: required('code is required'),
  // RFC 6749 §4.1.3: required when the authorization request had one, which here it always has.
  redirect_uri: z.string('redirect_uri is required (RFC 6749 §4.1.3)'),
  code_verifier: z.string().optional(),
  ...clientAuthentication,
});

export const refreshTokenRequestSchema = z.looseObject({
  grant_type: z.literal('refresh_token'),
  refresh_token: required('refresh_token is required'),
  scope: z.string().optional(),
  ...clientAuthentication,
});

export const clientCredentialsRequestSchema = z.looseObject({
  grant_type: z.literal('client_credentials'),
  // SMART Backend Services: scope is required, and not blank.
  scope: z.string('scope is required (SMART Backend Services)').regex(/\S/, 'scope is required (SMART Backend Services)'),
  ...clientAuthentication,
});

/** RFC 7662 §2.1: without a token the answer is `{"active": false}`, not an error. */
export const introspectionRequestSchema = z.looseObject({
  token: z.string().optional(),
  token_type_hint: z.string().optional(),
  ...clientAuthentication,
});

export const revocationRequestSchema = z.looseObject({
  token: required('token is required'),
  token_type_hint: z.string().optional(),
  ...clientAuthentication,
});

/** The request's fields as `schema` reads them, or RFC 6749 §5.2 `invalid_request` with the first problem. */
export function parseTokenRequest<S extends z.ZodType>(schema: S, form: Readonly<Record<string, string>>): z.output<S> {
  const parsed = schema.safeParse(form);
  if (!parsed.success) throw invalidRequest(parsed.error.issues[0]?.message ?? 'the request is malformed');
  return parsed.data;
}
