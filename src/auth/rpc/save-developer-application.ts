import { AdminError } from '../admin/admin-error.ts';
import type { Client, ClientRepository, StoredClient } from '../clients/client-repository.ts';
import type { ClientSecrets } from '../clients/client-secret.ts';
import { validateClient } from '../clients/validate-client.ts';
import type { RpcCaller } from './rpc-caller.ts';
import { RpcError } from './rpc-error.ts';
import { parseRpcParams } from './rpc-params.ts';
import { z } from 'zod';

export const SAVE_DEVELOPER_APPLICATION = 'smartbox.portal.developer.rpc/save-developer-application';

/** Param → where it goes. The seed's prose also names `application-name` and `launch-uri`; both are accepted. */
const STRING_PARAMS = ['name', 'application-name', 'description', 'redirect-url', 'launch-url', 'launch-uri', 'logo-url', 'org-name', 'org-url', 'policy-url', 'tos-url'] as const;
type StringParam = (typeof STRING_PARAMS)[number];
const CONFIDENTIALITY = ['confidential', 'public'] as const;

/** The method's params (seed 000's form), as it parses them; `confidentiality` also as `{ value: … }`. */
export const saveDeveloperApplicationParams = z.strictObject(
  {
    ...Object.fromEntries(STRING_PARAMS.map((key) => [key, z.string(`params.${key} must be a string`).optional()])) as Record<StringParam, z.ZodOptional<z.ZodString>>,
    confidentiality: z.union(
      [z.enum(CONFIDENTIALITY), z.looseObject({ value: z.enum(CONFIDENTIALITY) })],
      'params.confidentiality must be confidential or public (or { value: … })',
    ),
  },
  'params must be an object',
);

/** details keys, as the seed's provider Client spells `logo-uri`. */
const DETAILS: Partial<Record<StringParam, string>> = { 'logo-url': 'logo-uri', 'org-name': 'org-name', 'org-url': 'org-uri', 'policy-url': 'policy-uri', 'tos-url': 'tos-uri' };

export interface SaveApplicationDeps {
  clients: ClientRepository;
  newSecret: () => string;
  /** The new Client's id, chosen before the write: its secret is encrypted for it. */
  newId: () => string;
  secrets: Pick<ClientSecrets, 'seal'>;
  /**
   * Production: a redirect URL over plain http only on loopback, as at RFC 7591 registration: developers are
   * not operators.
   */
  strictRedirectUris: boolean;
}

/**
 * Seed 000's developer-portal RPC: builds a patient-facing SMART app Client from the form's params
 * (confidential: a generated secret, `secret_required`; public: PKCE, no secret) and creates it under
 * a new UUID. Returns the stored Client without its secret: the root client reads it with
 * `GET /Client/{id}` (seed 000's "How to get Client secret"), the owning developer gets a new one by
 * rotating it.
 */
export async function saveDeveloperApplication(params: unknown, caller: RpcCaller, deps: SaveApplicationDeps): Promise<Omit<StoredClient, 'secret'>> {
  const p = parseRpcParams(saveDeveloperApplicationParams, params);
  const text = (key: StringParam) => p[key]?.trim() || undefined;
  const confidentiality = typeof p.confidentiality === 'string' ? p.confidentiality : p.confidentiality.value;
  const name = text('name') ?? text('application-name');
  if (!name) throw new RpcError(422, 'params.name is required', { param: 'name' });
  const redirect = text('redirect-url');
  if (!redirect) throw new RpcError(422, 'params.redirect-url is required', { param: 'redirect-url' });
  const launch = text('launch-url') ?? text('launch-uri');

  const confidential = confidentiality === 'confidential';
  const details: Record<string, string> = {};
  for (const [param, key] of Object.entries(DETAILS) as [StringParam, string][]) {
    const value = text(param);
    if (value) details[key] = value;
  }
  const draft: Client = {
    resourceType: 'Client',
    type: 'patient-facing-smart-app',
    active: true,
    name,
    ...(text('description') ? { description: text('description') } : {}),
    grant_types: ['authorization_code'],
    auth: {
      authorization_code: {
        redirect_uri: redirect,
        refresh_token: true,
        token_format: 'jwt',
        secret_required: confidential,
        pkce: !confidential,
      },
    },
    ...(launch ? { smart: { launch_uri: launch } } : {}),
    ...(Object.keys(details).length ? { details } : {}),
    ...(caller.kind === 'user' ? { owner: `User/${caller.userId}` } : {}),
  };
  const id = deps.newId();
  let client: Client;
  try {
    client = validateClient(draft, { id, newSecret: deps.newSecret, secrets: deps.secrets, strictRedirectUris: deps.strictRedirectUris });
  } catch (err) {
    if (err instanceof AdminError) throw new RpcError(422, err.message, { param: paramOf(err), issue: err.issues });
    throw err;
  }
  const { secret: _secret, ...saved } = (await deps.clients.put({ ...client, id })).resource;
  return saved;
}

/** The form param behind a Client field, so the error names what the caller sent. */
function paramOf(err: AdminError): string | undefined {
  const expression = err.issues[0]?.expression?.[0] ?? '';
  if (expression.endsWith('redirect_uri')) return 'redirect-url';
  if (expression.endsWith('launch_uri')) return 'launch-url';
  const detail = /details\.(.+)$/.exec(expression)?.[1];
  return detail ? Object.entries(DETAILS).find(([, key]) => key === detail)?.[0] : undefined;
}
