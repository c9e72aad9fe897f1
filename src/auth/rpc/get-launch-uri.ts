import { ID_PATTERN } from '../../fhir/resource.ts';
import type { ClientRepository } from '../clients/client-repository.ts';
import { fhirContextProblem, type LaunchTokenContext } from '../launch/launch-context.ts';
import { staleLaunchContext, type LaunchRecords } from '../launch/launch-records.ts';
import { mintLaunch } from '../launch/mint-launch.ts';
import type { LaunchTokenSignerDeps } from '../launch/launch-token.ts';
import type { UserRepository } from '../users/user.ts';
import { RpcError } from './rpc-error.ts';
import { parseRpcParams } from './rpc-params.ts';
import { z } from 'zod';

export const GET_LAUNCH_URI = 'aidbox.smart/get-launch-uri';

const fhirId = (key: string) => z.string(`params.ctx.${key} must be a FHIR id (1-64 of A-Z a-z 0-9 - .)`).regex(ID_PATTERN, `params.ctx.${key} must be a FHIR id (1-64 of A-Z a-z 0-9 - .)`);
const USER_REQUIRED = 'params.user is required: the id of the User the EHR launches the app for';
const USER_EMPTY = 'params.user must be a non-empty string';

/** Seed 002's params, as the method parses them: who launches which app, on what context. */
export const getLaunchUriParams = z.strictObject(
  {
    client: z.string('params.client is required (a Client id)').min(1, 'params.client is required (a Client id)'),
    /** Our FHIR base, when given (checked against it after parsing). */
    iss: z.string().optional(),
    user: z.string({ error: (issue) => (issue.input === undefined ? USER_REQUIRED : USER_EMPTY) }).regex(/\S/, USER_EMPTY),
    ctx: z
      .strictObject(
        {
          patient: fhirId('patient').optional(),
          encounter: fhirId('encounter').optional(),
          // SMART App Launch 2.2.0 §"fhirContext": each entry's members are checked by fhirContextProblem.
          fhirContext: z.array(z.looseObject({ reference: z.string().min(1).optional(), canonical: z.string().min(1).optional(), identifier: z.unknown().optional(), type: z.string().min(1).optional(), role: z.string().min(1).optional() })).optional(),
        },
        'params.ctx must be an object',
      )
      .optional(),
  },
  'params must be an object',
);

/** What the method answers (`result`). */
export const launchUriResultSchema = z.object({ uri: z.string(), launch: z.string(), iss: z.string(), 'launch-uri': z.string() });

export interface GetLaunchUriDeps extends LaunchTokenSignerDeps {
  clients: Pick<ClientRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  /** The launch's patient and encounter must exist, and the encounter be that patient's. */
  records: LaunchRecords;
  /** Our FHIR base: the only `iss` an app may be told to talk to. */
  fhirBaseUrl: string;
}

export type LaunchUriResult = z.infer<typeof launchUriResultSchema>;

/**
 * Seed 002's EHR-launch RPC: mints a launch token for `client` carrying `ctx` and the `user` it is for, and
 * answers the URL the EHR opens, `{client launch_uri}?iss=…&launch=…`. Only a launch that names live things
 * is minted: an active User (the only one who may redeem it: without a user, anyone signed in who got hold
 * of the link could open the patient's record), an existing Patient, and an Encounter of that patient.
 */
export async function getLaunchUri(params: unknown, deps: GetLaunchUriDeps): Promise<LaunchUriResult> {
  const p = parseRpcParams(getLaunchUriParams, params, (issue) => {
    const [first, second] = issue.path;
    if (first === 'iss') return issWrong(deps.fhirBaseUrl);
    if (first === 'ctx' && second === 'fhirContext') return new RpcError(422, `params.ctx.${fhirContextProblem(ctxOf(params).fhirContext) ?? 'fhirContext is not valid'}`, { param: 'ctx.fhirContext' });
    return undefined;
  });
  const client = await deps.clients.get(p.client);
  if (!client) throw new RpcError(422, `params.client: no Client ${p.client}`, { param: 'client' });
  if (client.active === false) throw new RpcError(422, `params.client: Client ${p.client} is not active`, { param: 'client' });
  const launchUri = client.smart?.launch_uri;
  if (!launchUri) throw new RpcError(422, `params.client: Client ${p.client} has no smart.launch_uri`, { param: 'client' });

  if (p.iss !== undefined && p.iss.replace(/\/+$/, '') !== deps.fhirBaseUrl) throw issWrong(deps.fhirBaseUrl);
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

function issWrong(fhirBaseUrl: string): RpcError {
  return new RpcError(422, `params.iss must be this server's FHIR base ${fhirBaseUrl} (or absent)`, { param: 'iss' });
}

function ctxOf(params: unknown): Record<string, unknown> {
  const ctx = (params as { ctx?: unknown }).ctx;
  return ctx && typeof ctx === 'object' ? (ctx as Record<string, unknown>) : {};
}

/** The launch context's ids and fhirContext, with what only the whole context can tell: an encounter needs its patient. */
function launchContext(ctx: z.output<typeof getLaunchUriParams>['ctx']): LaunchTokenContext {
  if (ctx === undefined) return {};
  if (ctx.encounter !== undefined && ctx.patient === undefined) {
    throw new RpcError(422, 'params.ctx.encounter needs params.ctx.patient: the patient the encounter belongs to', { param: 'ctx.encounter' });
  }
  if (ctx.fhirContext !== undefined) {
    const problem = fhirContextProblem(ctx.fhirContext);
    if (problem) throw new RpcError(422, `params.ctx.${problem}`, { param: 'ctx.fhirContext' });
  }
  return {
    ...(ctx.patient !== undefined ? { patient: ctx.patient } : {}),
    ...(ctx.encounter !== undefined ? { encounter: ctx.encounter } : {}),
    ...(ctx.fhirContext !== undefined ? { fhirContext: ctx.fhirContext as NonNullable<LaunchTokenContext['fhirContext']> } : {}),
  };
}
