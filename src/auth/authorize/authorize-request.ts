/**
 * The parameters of an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, SMART App Launch 2.2
 * §"Obtain authorization code", OIDC Core §3.1.2.1 `prompt`), read the same from a GET query or a POSTed form.
 */
export const AUTHORIZE_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'aud',
  'launch',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'prompt',
  // Which of the tenant's identity providers to sign in with, skipping the sign-in page (a hint: an unknown one shows it).
  'idp_hint',
] as const;
export type AuthorizeParameter = (typeof AUTHORIZE_PARAMETERS)[number];

export interface AuthorizeParams {
  /** Present parameters, as sent (a repeated one is absent here and named in `repeated`). */
  values: Partial<Record<AuthorizeParameter, string>>;
  /** Parameters sent more than once: RFC 6749 §3.1 forbids it. */
  repeated: AuthorizeParameter[];
}

/** Reads the known parameters from a parsed query or form (values are strings, or arrays when repeated). */
export function readAuthorizeParams(source: unknown): AuthorizeParams {
  const record = source && typeof source === 'object' ? (source as Record<string, unknown>) : {};
  const values: AuthorizeParams['values'] = {};
  const repeated: AuthorizeParameter[] = [];
  for (const name of AUTHORIZE_PARAMETERS) {
    const value = record[name];
    if (typeof value === 'string') values[name] = value;
    else if (Array.isArray(value)) repeated.push(name);
  }
  return { values, repeated };
}

/** The parameters as a query string: the sign-in page's return_to and the consent form's hidden field. */
export function authorizeQuery(params: AuthorizeParams): string {
  const query = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMETERS) {
    const value = params.values[name];
    if (value !== undefined) query.append(name, value);
  }
  return query.toString();
}

/** The `prompt` values this server acts on (OIDC Core §3.1.2.1). */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;

/** The request's `prompt` values (a space-separated list; absent: none asked for). */
export function promptsOf(params: AuthorizeParams): Set<string> {
  return new Set((params.values.prompt ?? '').split(' ').filter(Boolean));
}

/** The same request without some `prompt` values (the parameter dropped when none is left). */
export function withoutPrompts(params: AuthorizeParams, dropped: readonly string[]): AuthorizeParams {
  const { prompt: _prompt, ...values } = params.values;
  const kept = [...promptsOf(params)].filter((value) => !dropped.includes(value));
  return { ...params, values: kept.length > 0 ? { ...values, prompt: kept.join(' ') } : values };
}
