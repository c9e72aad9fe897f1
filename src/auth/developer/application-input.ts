import type { Client, ClientStatus } from '../clients/client-repository.ts';
import { JWT_BEARER_ASSERTION } from '../clients/client-kind.ts';
import { scopesFor } from './application-scopes.ts';

/** The kinds of app a developer registers (seed 000's Client types). */
export const APPLICATION_TYPES = ['patient-facing-smart-app', 'provider-facing-smart-app', 'bulk-api-client'] as const;
export type ApplicationType = (typeof APPLICATION_TYPES)[number];

/** What a developer says about an app, from the portal's form or the RPC's params: one shape for both. */
export interface ApplicationInput {
  name: string;
  description?: string;
  type: ApplicationType;
  confidentiality: 'public' | 'confidential';
  /** The first one is the Client's `redirect_uri`, the others its `redirect_uris`. */
  redirectUris: string[];
  launchUri?: string;
  /** Stored as the Client's `scope`; none: no `scope` (the RPC's Clients have none). */
  scopes: string[];
  logoUrl?: string;
  orgName?: string;
  orgUrl?: string;
  policyUrl?: string;
  tosUrl?: string;
  /** An asymmetric (private_key_jwt) or backend app's keys: where they are published, or the set itself. */
  jwksUri?: string;
  /** A pasted JWKS, as JSON text. */
  jwks?: string;
}

/** The input fields, each of which a problem can name. */
export type ApplicationField = keyof ApplicationInput;

/** What is wrong with an application, by the field at fault (the message for the person who filled it in). */
export class ApplicationError extends Error {
  constructor(readonly problems: Partial<Record<ApplicationField, string>>) {
    super(Object.entries(problems).map(([field, message]) => `${field}: ${message}`).join('; '));
    this.name = 'ApplicationError';
  }
}

/** Detail fields and the `details` keys seed 000's Clients store them under. */
export const DETAIL_KEYS = { logoUrl: 'logo-uri', orgName: 'org-name', orgUrl: 'org-uri', policyUrl: 'policy-uri', tosUrl: 'tos-uri' } as const satisfies Partial<Record<ApplicationField, string>>;

/**
 * The Client an application becomes, before validation: a SMART app uses the authorization code grant (a
 * confidential one a secret, or with keys private_key_jwt; a public one PKCE and no secret); a backend app
 * client_credentials with a JWT assertion (SMART Backend Services). Problems only the form can have (JSON that
 * does not parse, a public backend app) are thrown here; the Client rules check the rest.
 */
export function clientOfApplication(input: ApplicationInput, status: ClientStatus, owner: string | undefined): Client {
  const problems: Partial<Record<ApplicationField, string>> = {};
  if (!input.name.trim()) problems.name = 'is required';
  const backend = input.type === 'bulk-api-client';
  if (backend && input.confidentiality !== 'confidential') problems.confidentiality = 'a backend app authenticates with its keys: it must be confidential';
  if (!backend && input.redirectUris.length === 0) problems.redirectUris = 'at least one redirect URI is required';
  const jwks = parseJwks(input.jwks, problems);
  const hasKeys = jwks !== undefined || input.jwksUri !== undefined;
  if (backend && !hasKeys) problems.jwksUri = 'a backend app needs a jwks_uri or a pasted JWKS';
  const unfit = input.scopes.filter((scope) => !scopesFor(input.type).includes(scope));
  if (unfit.length) problems.scopes = `not for this kind of app: ${unfit.join(', ')}`;
  if (input.confidentiality === 'public' && hasKeys) problems.jwksUri = 'a public app cannot authenticate with keys; choose confidential';
  if (Object.keys(problems).length) throw new ApplicationError(problems);

  const details: Record<string, string> = {};
  for (const [field, key] of Object.entries(DETAIL_KEYS)) {
    const value = input[field as keyof typeof DETAIL_KEYS];
    if (value) details[key] = value;
  }
  const confidential = input.confidentiality === 'confidential';
  const [redirectUri, ...moreRedirectUris] = input.redirectUris;
  return {
    resourceType: 'Client',
    type: input.type,
    active: true,
    name: input.name.trim(),
    ...(input.description ? { description: input.description } : {}),
    grant_types: backend ? ['client_credentials'] : ['authorization_code'],
    auth: backend
      ? { client_credentials: { client_assertion_types: [JWT_BEARER_ASSERTION], token_format: 'jwt' } }
      : {
          authorization_code: {
            ...(redirectUri !== undefined ? { redirect_uri: redirectUri } : {}),
            ...(moreRedirectUris.length ? { redirect_uris: moreRedirectUris } : {}),
            refresh_token: true,
            token_format: 'jwt',
            secret_required: confidential,
            pkce: !confidential,
          },
          // A confidential app with keys authenticates with private_key_jwt (SMART App Launch 2.2 §"Asymmetric").
          ...(hasKeys ? { client_credentials: { client_assertion_types: [JWT_BEARER_ASSERTION] } } : {}),
        },
    ...(input.launchUri ? { smart: { launch_uri: input.launchUri } } : {}),
    ...(input.scopes.length ? { scope: input.scopes } : {}),
    ...(input.jwksUri !== undefined ? { jwks_uri: input.jwksUri } : {}),
    ...(jwks !== undefined ? { jwks } : {}),
    ...(Object.keys(details).length ? { details } : {}),
    ...(owner !== undefined ? { owner } : {}),
    status,
  };
}

function parseJwks(text: string | undefined, problems: Partial<Record<ApplicationField, string>>): Client['jwks'] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.jwks = 'is not valid JSON: paste a JWKS such as {"keys":[{…}]}';
    return undefined;
  }
  if (!value || typeof value !== 'object' || !Array.isArray((value as { keys?: unknown }).keys)) {
    problems.jwks = 'must be a JSON object with a "keys" array (RFC 7517 §5)';
    return undefined;
  }
  return value as Client['jwks'];
}

/** The input field behind a Client field the Client rules refused, so the problem is shown where it was typed. */
export function fieldOfClientPath(expression: string): ApplicationField {
  const path = expression.replace(/^Client\./, '');
  if (path.startsWith('auth.authorization_code.redirect_uri')) return 'redirectUris';
  if (path.startsWith('smart.launch_uri')) return 'launchUri';
  if (path.startsWith('scope')) return 'scopes';
  if (path.startsWith('jwks_uri')) return 'jwksUri';
  if (path.startsWith('jwks')) return 'jwks';
  if (path.startsWith('name')) return 'name';
  if (path.startsWith('description')) return 'description';
  const detail = /^details\.(.+)$/.exec(path)?.[1];
  const field = Object.entries(DETAIL_KEYS).find(([, key]) => key === detail)?.[0];
  return (field as ApplicationField | undefined) ?? 'name';
}
