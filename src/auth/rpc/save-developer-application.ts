import type { DETAIL_KEYS} from '../developer/application-input.ts';
import { ApplicationError, type ApplicationField, type ApplicationInput } from '../developer/application-input.ts';
import type { DeveloperApp, DeveloperApps } from '../developer/developer-apps.ts';
import type { RpcCaller } from './rpc-caller.ts';
import { RpcError } from './rpc-error.ts';

export const SAVE_DEVELOPER_APPLICATION = 'smartbox.portal.developer.rpc/save-developer-application';

/** Param → where it goes. The seed's prose also names `application-name` and `launch-uri`; both are accepted. */
const STRING_PARAMS = ['name', 'application-name', 'description', 'redirect-url', 'launch-url', 'launch-uri', 'logo-url', 'org-name', 'org-url', 'policy-url', 'tos-url'] as const;
/** The detail params and the application fields they fill. */
const DETAIL_PARAMS = { 'logo-url': 'logoUrl', 'org-name': 'orgName', 'org-url': 'orgUrl', 'policy-url': 'policyUrl', 'tos-url': 'tosUrl' } as const satisfies Record<string, keyof typeof DETAIL_KEYS>;

/**
 * Seed 000's developer-portal RPC: a patient-facing SMART app (confidential: a generated secret,
 * `secret_required`; public: PKCE, no secret) saved through the same service as the developer portal's form,
 * under a new UUID. Returns the stored Client without its secret: the root client reads it with
 * `GET /Client/{id}` (seed 000's "How to get Client secret"), the owning developer gets a new one by
 * rotating it.
 */
export async function saveDeveloperApplication(params: unknown, caller: RpcCaller, apps: Pick<DeveloperApps, 'create'>): Promise<DeveloperApp> {
  if (!params || typeof params !== 'object' || Array.isArray(params)) throw new RpcError(422, 'params must be an object', { param: 'params' });
  const p = params as Record<string, unknown>;
  const unknownKeys = Object.keys(p).filter((k) => k !== 'confidentiality' && !(STRING_PARAMS as readonly string[]).includes(k));
  if (unknownKeys.length) throw new RpcError(422, `unknown param(s): ${unknownKeys.join(', ')}`, { param: unknownKeys[0] });
  for (const key of STRING_PARAMS) {
    if (p[key] !== undefined && typeof p[key] !== 'string') throw new RpcError(422, `params.${key} must be a string`, { param: key });
  }
  const text = (key: string) => (p[key] as string | undefined)?.trim() || undefined;

  const confidentiality = typeof p.confidentiality === 'object' && p.confidentiality !== null ? (p.confidentiality as { value?: unknown }).value : p.confidentiality;
  if (confidentiality !== 'confidential' && confidentiality !== 'public') {
    throw new RpcError(422, 'params.confidentiality must be confidential or public (or { value: … })', { param: 'confidentiality' });
  }
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
  for (const [param, field] of Object.entries(DETAIL_PARAMS)) {
    const value = text(param);
    if (value) input[field] = value;
  }
  try {
    const { app } = await apps.create(caller.kind === 'user' ? { owner: `User/${caller.userId}` } : { operator: true }, input);
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
