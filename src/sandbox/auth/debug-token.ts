import type { PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import { ID_PATTERN } from '../../fhir/resource.ts';
import { epochSeconds } from '../../shared/time.ts';
import { ownPatientOf, patientScopesFor, patientUserOf, type RelatedPatientLookup } from '../../auth/access/patient-user.ts';
import { offeredScopes } from '../../auth/authorize/steps/resolve-scopes.ts';
import type { ClientRepository } from '../../auth/clients/client-repository.ts';
import { invalidRequest, invalidScope } from '../../auth/oauth-error.ts';
import { formatScope, parseScopes } from '../../auth/scopes/index.ts';
import type { Grant } from '../../auth/grants/grant.ts';
import { issueTokens } from '../../auth/tokens/issue-tokens.ts';
import type { TokenDeps } from '../../auth/tokens/token-deps.ts';
import type { TokenResponse } from '../../auth/tokens/token-response.ts';
import { findActiveToken } from '../../auth/tokens/token-lookup.ts';
import { DEFAULT_USER_ACCESS_TOKEN_LIFETIME } from '../../auth/tokens/token-settings.ts';

/** The S4S `POST /oauth/debug/token` body (seed 003); `username` is accepted as an alias of `user_name`. */
export interface DebugTokenRequest {
  client_id: string;
  /** Seconds; defaults to 3600, capped at ACCESS_TOKEN_MAX_LIFETIME. */
  access_lifetime?: number;
  /** Epoch seconds at which the approval (the refresh token) ends; defaults to 7 days ahead. */
  approval_expires?: number;
  /** Defaults to the client's registered scopes. */
  scope?: string;
  /** A User id or email. */
  user_name?: string;
  patient_id?: string;
}

export interface DebugTokenDeps extends TokenDeps {
  clients: ClientRepository;
  /** Whether a live Patient has this id: a token for a patient that does not exist is refused (as S4S does). */
  patientExists: (id: string) => Promise<boolean>;
  /** Whose patient a RelatedPerson user is; absent: such a user gets no patient data. */
  relatedPatient?: RelatedPatientLookup;
  /** How `patient/` scopes reach each type: what a patient user's scopes can be granted as. */
  compartment: PatientCompartment;
}

const APPROVAL_DEFAULT_SECONDS = 7 * 24 * 3600;

/**
 * Sandbox only: mints tokens as if the user had authorized the client, through the real issuance
 * code and a stored grant (so revocation, introspection and the FHIR API treat them as any other).
 */
export async function mintDebugToken(request: DebugTokenRequest, deps: DebugTokenDeps): Promise<TokenResponse> {
  const client = await deps.clients.get(request.client_id);
  if (!client || client.active === false) throw invalidRequest(`no active client ${request.client_id}`);
  const asked = (request.scope ?? (client.scope ?? []).join(' ')).trim();
  if (asked === '') throw invalidScope('no scope asked and the client has none registered');
  // What the authorize endpoint would offer: the asked scopes narrowed to the client's registered ones.
  let offered = offeredScopes(parseScopes(asked), client);
  if (offered.length === 0) throw invalidScope(`none of the asked scopes can be granted to client ${client.id} (its registered scope limits them)`);

  let user;
  if (request.user_name !== undefined) {
    user = (await deps.users.get(request.user_name)) ?? (await deps.users.findByEmail(request.user_name));
    if (!user) throw invalidRequest(`no user ${request.user_name}`);
  }
  let patient = request.patient_id;
  // A patient user's token is for their own record only, as the authorize endpoint grants it.
  const fhirUser = user?.fhirUser;
  const patientUser = patientUserOf(fhirUser);
  if (patientUser) {
    const own = await ownPatientOf(patientUser, deps.relatedPatient);
    if (own === undefined) {
      if (patient !== undefined || offered.some((s) => s.kind === 'resource' || s.kind === 'launch/patient')) {
        throw invalidRequest(`${fhirUser} is not linked to a patient on this server, so no patient data can be shared`);
      }
    } else if (patient !== undefined && patient !== own) {
      throw invalidRequest(`patient_id must be ${own}: a token for ${fhirUser} is for their own patient's record only`);
    }
    patient = own;
    offered = patientScopesFor(offered, deps.compartment);
    if (offered.length === 0) throw invalidScope('none of the asked scopes can be granted to a patient user');
  }
  const scope = offered.map(formatScope).join(' ');
  if (patient !== undefined && !(ID_PATTERN.test(patient) && (await deps.patientExists(patient)))) {
    throw invalidRequest(`no Patient ${patient} exists on this server`);
  }

  const iat = epochSeconds(deps.now());
  const approvalExpires = request.approval_expires ?? iat + APPROVAL_DEFAULT_SECONDS;
  if (approvalExpires <= iat) throw invalidRequest('approval_expires is in the past');
  const scopes = scope.split(' ');
  const wantsRefresh = scopes.includes('offline_access') || scopes.includes('online_access');
  // Made here, so that the grant can keep it for the debug introspection (seed 003's `refresh_token` member).
  const refreshToken = wantsRefresh ? deps.newSecret() : undefined;
  const grant: Grant = {
    id: deps.newId(),
    clientId: client.id,
    scope,
    tenant: deps.tenant,
    debugMinted: refreshToken ? { refreshToken } : {},
    ...(user ? { userId: user.id } : {}),
    ...(user?.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}),
    ...(patient !== undefined ? { patient } : {}),
  };
  // Stored only while the client and the user are active (a deactivation since they were read refuses it too).
  if (!(await deps.grants.save(grant, deps.now()))) throw invalidRequest(`client ${client.id}${user ? ` or user ${user.id}` : ''} is not active`);
  return issueTokens(
    {
      grant,
      scope,
      lifetime: Math.min(request.access_lifetime ?? DEFAULT_USER_ACCESS_TOKEN_LIFETIME, deps.settings.accessTokenMaxLifetime),
      refreshLifetime: wantsRefresh ? approvalExpires - iat : undefined,
    },
    refreshToken ? { ...deps, newSecret: () => refreshToken } : deps,
    { stores: deps, keys: deps.signingKeys },
  );
}

/** `GET /oauth/debug/introspect?token=`: the token's data in the S4S shape, or `{active: false}`. */
export async function debugIntrospect(token: string, deps: TokenDeps): Promise<Record<string, unknown>> {
  const found = await findActiveToken(token, undefined, deps);
  if (!found) return { active: false };
  const httpDate = (epoch: number) => new Date(epoch * 1000).toUTCString();
  if (found.kind === 'access_token') {
    const c = found.claims;
    // A token this endpoint minted: the refresh token minted with it, while it is still usable (seed 003).
    const minted = (await deps.grants.get(c.grant))?.grant.debugMinted?.refreshToken;
    const refresh = minted !== undefined ? await findActiveToken(minted, 'refresh_token', deps) : undefined;
    return {
      active: true,
      token_type: 'Bearer',
      access_token: token,
      access_expires: httpDate(c.exp),
      ...(refresh?.kind === 'refresh_token' ? { refresh_token: minted, approval_expires: httpDate(refresh.expiresAt) } : {}),
      client_id: c.client_id,
      scope: c.scope,
      username: c.sub,
      security_labels: [],
      grant: c.grant,
      ...(c.patient !== undefined ? { patient: c.patient } : {}),
      ...(c.fhirUser !== undefined ? { fhirUser: c.fhirUser } : {}),
    };
  }
  const { grant } = found;
  return {
    active: true,
    token_type: 'refresh_token',
    refresh_token: token,
    approval_expires: httpDate(found.expiresAt),
    client_id: grant.clientId,
    scope: found.scope,
    username: grant.userId ?? grant.clientId,
    security_labels: [],
    grant: grant.id,
    ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
    ...(grant.fhirUser !== undefined ? { fhirUser: grant.fhirUser } : {}),
  };
}
