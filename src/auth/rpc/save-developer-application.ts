import { z } from 'zod';
import type { DETAIL_KEYS } from '../developer/application-input.ts';
import { ApplicationError, type ApplicationField, type ApplicationInput } from '../developer/application-input.ts';
import type { DeveloperApp, DeveloperApps } from '../developer/developer-apps.ts';
import { rpcActor } from '../audit/registry-events.ts';
import type { RpcCaller } from './rpc-caller.ts';
import { RpcError } from './rpc-error.ts';
import { parseRpcParams } from './rpc-params.ts';

export const SAVE_DEVELOPER_APPLICATION = 'smartbox.portal.developer.rpc/save-developer-application';

/** Param → where it goes. The seed's prose also names `application-name` and `launch-uri`; both are accepted. */
const STRING_PARAMS = ['name', 'application-name', 'description', 'redirect-url', 'launch-url', 'launch-uri', 'logo-url', 'org-name', 'org-url', 'policy-url', 'tos-url'] as const;
type StringParam = (typeof STRING_PARAMS)[number];
const CONFIDENTIALITY = ['confidential', 'public'] as const;

/** The method's params (seed 000's form), as it parses them; `confidentiality` also as `{ value: … }`. */
export const saveDeveloperApplicationParams = z.strictObject(
  {
    ...(Object.fromEntries(STRING_PARAMS.map((key) => [key, z.string(`params.${key} must be a string`).optional()])) as Record<StringParam, z.ZodOptional<z.ZodString>>),
    confidentiality: z.union(
      [z.enum(CONFIDENTIALITY), z.looseObject({ value: z.enum(CONFIDENTIALITY) })],
      'params.confidentiality must be confidential or public (or { value: … })',
    ),
  },
  'params must be an object',
);

/** The detail params and the application fields they fill. */
const DETAIL_PARAMS = { 'logo-url': 'logoUrl', 'org-name': 'orgName', 'org-url': 'orgUrl', 'policy-url': 'policyUrl', 'tos-url': 'tosUrl' } as const satisfies Partial<Record<StringParam, keyof typeof DETAIL_KEYS>>;

/**
 * Seed 000's developer-portal RPC: a patient-facing SMART app (confidential: a generated secret,
 * `secret_required`; public: PKCE, no secret) saved through the same service as the developer portal's form,
 * under a new UUID. Returns the stored Client without its secret: the root client reads it with
 * `GET /Client/{id}` (seed 000's "How to get Client secret"), the owning developer gets a new one by
 * rotating it.
 */
export async function saveDeveloperApplication(params: unknown, caller: RpcCaller, apps: Pick<DeveloperApps, 'create'>): Promise<DeveloperApp> {
  const p = parseRpcParams(saveDeveloperApplicationParams, params);
  const text = (key: StringParam) => p[key]?.trim() || undefined;
  const confidentiality = typeof p.confidentiality === 'string' ? p.confidentiality : p.confidentiality.value;
  const name = text('name') ?? text('application-name');
  if (!name) throw new RpcError(422, 'params.name is required', { param: 'name' });
  const redirect = text('redirect-url');
  if (!redirect) throw new RpcError(422, 'params.redirect-url is required', { param: 'redirect-url' });
  const launch = text('launch-url') ?? text('launch-uri');
  const description = text('description');

  const input: ApplicationInput = {
    name,
    ...(description ? { description } : {}),
    type: 'patient-facing-smart-app',
    confidentiality,
    redirectUris: [redirect],
    ...(launch ? { launchUri: launch } : {}),
    scopes: [],
  };
  for (const [param, field] of Object.entries(DETAIL_PARAMS) as [StringParam, (typeof DETAIL_PARAMS)[keyof typeof DETAIL_PARAMS]][]) {
    const value = text(param);
    if (value) input[field] = value;
  }
  try {
    const { app } = await apps.create(caller.kind === 'user' ? { owner: `User/${caller.userId}` } : { operator: true }, input, rpcActor(caller));
    return app;
  } catch (err) {
    if (err instanceof ApplicationError) {
      const [field, message] = Object.entries(err.problems)[0] ?? ['name', err.message];
      throw new RpcError(422, `params.${paramOf(field as ApplicationField)}: ${message}`, { param: paramOf(field as ApplicationField) });
    }
    throw err;
  }
}

/** The param behind an application field, so the error names what the caller sent. */
function paramOf(field: ApplicationField): string {
  if (field === 'redirectUris') return 'redirect-url';
  if (field === 'launchUri') return 'launch-url';
  return Object.entries(DETAIL_PARAMS).find(([, f]) => f === field)?.[0] ?? field;
}
