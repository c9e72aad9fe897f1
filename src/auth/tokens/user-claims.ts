import type { Grant } from '../grants/grant.ts';
import type { StoredUser } from '../users/user.ts';
import { absoluteFhirUser } from './id-token.ts';
import { ID_SOURCE } from '../../fhir/resource.ts';

/** `Type/id`, alone or at the end of an absolute URL. */
const TYPE_AND_ID = new RegExp(`(?:^|/)([A-Z][A-Za-z]+)/(${ID_SOURCE})$`);

/**
 * What a token says about its user, in the two shapes clients read, from one stored User and one grant
 * so they always agree: the same `sub`, the same fhirUser resource, the same name and email. Released to
 * a user grant with `openid` (seed 002 shows name and email without `profile`; the userinfo endpoint
 * follows it). Fields are picked one by one: the password hash, roles and anything else stored never leave.
 */

/** Whether these tokens carry the user's identity: a user grant with `openid`. */
export function releasesIdentity(grant: Pick<Grant, 'userId'>, scopes: ReadonlySet<string>): boolean {
  return grant.userId !== undefined && scopes.has('openid');
}

/** `Patient/abc` (or an absolute URL ending so) as a reference object, seed 002's `fhirUser` shape. */
function fhirUserReference(fhirUser: string | undefined): { resourceType: string; id: string } | undefined {
  if (fhirUser === undefined) return undefined;
  const match = TYPE_AND_ID.exec(fhirUser);
  return match?.[1] && match[2] ? { resourceType: match[1], id: match[2] } : undefined;
}

/**
 * A User's name as seed 002's `userinfo` shows it, `{givenName, familyName}`, whichever way it was stored: a name
 * stored as one string keeps it as `formatted`, its last word taken as the family name.
 */
function nameObject(name: NonNullable<StoredUser['name']>): { givenName?: string; familyName?: string; formatted?: string } {
  if (typeof name !== 'string') return name;
  const words = name.trim().split(/\s+/).filter(Boolean);
  const familyName = words.pop();
  return { ...(words.length > 0 ? { givenName: words.join(' ') } : {}), ...(familyName ? { familyName } : {}), formatted: name };
}

/** The token response's `userinfo` member (seed 002): the User resource as a client may see it. */
export function userinfoMember(user: StoredUser, grant: Pick<Grant, 'fhirUser'>): Record<string, unknown> {
  const fhirUser = fhirUserReference(grant.fhirUser);
  return {
    resourceType: 'User',
    id: user.id,
    sub: user.id,
    active: user.active !== false,
    ...(user.email !== undefined ? { email: user.email } : {}),
    ...(user.name !== undefined ? { name: nameObject(user.name) } : {}),
    ...(fhirUser !== undefined ? { fhirUser } : {}),
    meta: { versionId: user.meta.versionId, lastUpdated: user.meta.lastUpdated },
  };
}

/** The userinfo endpoint's claims (OIDC Core §5.1): `sub`, the absolute `fhirUser`, name parts and email. */
export function userinfoClaims(userId: string, user: StoredUser | undefined, grant: Pick<Grant, 'fhirUser'>, fhirBaseUrl: string): Record<string, unknown> {
  const fhirUser = absoluteFhirUser(grant, fhirBaseUrl);
  const info: Record<string, unknown> = { sub: userId, ...(fhirUser !== undefined ? { fhirUser } : {}) };
  const name = user?.name;
  const formatted = typeof name === 'string' ? name : (name?.formatted ?? ([name?.givenName, name?.familyName].filter(Boolean).join(' ') || undefined));
  if (formatted) info.name = formatted;
  if (typeof name === 'object' && name.givenName) info.given_name = name.givenName;
  if (typeof name === 'object' && name.familyName) info.family_name = name.familyName;
  if (user?.email) info.email = user.email;
  return info;
}
