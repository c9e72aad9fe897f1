import { ID_PATTERN } from '../../fhir/resource.ts';
import type { ClientRepository } from '../clients/client-repository.ts';
import { fhirContextProblem, type LaunchTokenContext } from '../launch/launch-context.ts';
import { staleLaunchContext, type LaunchRecords } from '../launch/launch-records.ts';
import { mintLaunch } from '../launch/mint-launch.ts';
import type { LaunchTokenSignerDeps } from '../launch/launch-token.ts';
import type { UserRepository } from '../users/user.ts';
import { RpcError } from './rpc-error.ts';

export const GET_LAUNCH_URI = 'aidbox.smart/get-launch-uri';

const PARAMS = new Set(['user', 'iss', 'client', 'ctx']);
const CTX_PARAMS = new Set(['patient', 'encounter', 'fhirContext']);

export interface GetLaunchUriDeps extends LaunchTokenSignerDeps {
  clients: Pick<ClientRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  /** The launch's patient and encounter must exist, and the encounter be that patient's. */
  records: LaunchRecords;
  /** Our FHIR base: the only `iss` an app may be told to talk to. */
  fhirBaseUrl: string;
}

export interface LaunchUriResult {
  uri: string;
  launch: string;
  iss: string;
  'launch-uri': string;
}

/**
 * Seed 002's EHR-launch RPC: mints a launch token for `client` carrying `ctx` and the `user` it is for, and
 * answers the URL the EHR opens, `{client launch_uri}?iss=…&launch=…`. Only a launch that names live things
 * is minted: an active User (the only one who may redeem it: without a user, anyone signed in who got hold
 * of the link could open the patient's record), an existing Patient, and an Encounter of that patient.
 */
export async function getLaunchUri(params: unknown, deps: GetLaunchUriDeps): Promise<LaunchUriResult> {
  if (!params || typeof params !== 'object' || Array.isArray(params)) throw new RpcError(422, 'params must be an object', { param: 'params' });
  const p = params as Record<string, unknown>;
  const unknownKeys = Object.keys(p).filter((k) => !PARAMS.has(k));
  if (unknownKeys.length) throw new RpcError(422, `unknown param(s): ${unknownKeys.join(', ')}`, { param: unknownKeys[0] });

  if (typeof p.client !== 'string' || !p.client) throw new RpcError(422, 'params.client is required (a Client id)', { param: 'client' });
  const client = await deps.clients.get(p.client);
  if (!client) throw new RpcError(422, `params.client: no Client ${p.client}`, { param: 'client' });
  if (client.active === false) throw new RpcError(422, `params.client: Client ${p.client} is not active`, { param: 'client' });
  const launchUri = client.smart?.launch_uri;
  if (!launchUri) throw new RpcError(422, `params.client: Client ${p.client} has no smart.launch_uri`, { param: 'client' });

  if (p.iss !== undefined && (typeof p.iss !== 'string' || p.iss.replace(/\/+$/, '') !== deps.fhirBaseUrl)) {
    throw new RpcError(422, `params.iss must be this server's FHIR base ${deps.fhirBaseUrl} (or absent)`, { param: 'iss' });
  }
  if (p.user === undefined) throw new RpcError(422, 'params.user is required: the id of the User the EHR launches the app for', { param: 'user' });
  if (typeof p.user !== 'string' || !p.user.trim()) throw new RpcError(422, 'params.user must be a non-empty string', { param: 'user' });
  const ctx = launchContext(p.ctx);

  const user = await deps.users.get(p.user);
  if (!user) throw new RpcError(422, `params.user: no User ${p.user}`, { param: 'user' });
  if (user.active === false) throw new RpcError(422, `params.user: User ${p.user} is not active`, { param: 'user' });
  const stale = await staleLaunchContext(ctx, deps.records);
  if (stale === 'patient') throw new RpcError(422, `params.ctx.patient: no Patient ${ctx.patient}`, { param: 'ctx.patient' });
  if (stale === 'encounter') throw new RpcError(422, `params.ctx.encounter: no Encounter ${ctx.encounter} of Patient ${ctx.patient}`, { param: 'ctx.encounter' });

  const minted = await mintLaunch({ client: client.id, user: user.id, ...ctx }, launchUri, deps);
  return { uri: minted.uri, launch: minted.launch, iss: minted.iss, 'launch-uri': minted.launchUri };
}

function launchContext(value: unknown): LaunchTokenContext {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RpcError(422, 'params.ctx must be an object', { param: 'ctx' });
  const ctx = value as Record<string, unknown>;
  const unknownKeys = Object.keys(ctx).filter((k) => !CTX_PARAMS.has(k));
  if (unknownKeys.length) throw new RpcError(422, `unknown ctx param(s): ${unknownKeys.join(', ')}`, { param: `ctx.${unknownKeys[0]}` });
  for (const key of ['patient', 'encounter'] as const) {
    const id = ctx[key];
    if (id !== undefined && (typeof id !== 'string' || !ID_PATTERN.test(id))) {
      throw new RpcError(422, `params.ctx.${key} must be a FHIR id (1-64 of A-Z a-z 0-9 - .)`, { param: `ctx.${key}` });
    }
  }
  if (ctx.encounter !== undefined && ctx.patient === undefined) {
    throw new RpcError(422, 'params.ctx.encounter needs params.ctx.patient: the patient the encounter belongs to', { param: 'ctx.encounter' });
  }
  if (ctx.fhirContext !== undefined) {
    const problem = fhirContextProblem(ctx.fhirContext);
    if (problem) throw new RpcError(422, `params.ctx.${problem}`, { param: 'ctx.fhirContext' });
  }
  return {
    ...(ctx.patient !== undefined ? { patient: ctx.patient as string } : {}),
    ...(ctx.encounter !== undefined ? { encounter: ctx.encounter as string } : {}),
    ...(ctx.fhirContext !== undefined ? { fhirContext: ctx.fhirContext as NonNullable<LaunchTokenContext['fhirContext']> } : {}),
  };
}
