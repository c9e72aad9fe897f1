import { PERMISSION_ORDER, type Permission } from './scope.ts';

/** SMART 2.x: v1 `read` = `rs`, `write` = `cud`, `*` = `cruds`. */
export const V1_PERMISSIONS: Readonly<Record<string, readonly Permission[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/**
 * The letters of a v2 permission string, or undefined when it is not an ordered, repeat-free
 * subset of `cruds` (SMART 2.x: "permissions are listed in the order c, r, u, d, s").
 */
export function parseV2Permissions(text: string): Permission[] | undefined {
  if (!/^c?r?u?d?s?$/.test(text) || text === '') return undefined;
  return [...text] as Permission[];
}

/** Letters in canonical order. */
export function permissionLetters(permissions: ReadonlySet<Permission>): string {
  return PERMISSION_ORDER.filter((p) => permissions.has(p)).join('');
}

/** The v1 keyword for exactly this set, if there is one. */
export function v1Keyword(permissions: ReadonlySet<Permission>): string | undefined {
  const letters = permissionLetters(permissions);
  for (const [keyword, set] of Object.entries(V1_PERMISSIONS)) {
    if (set.join('') === letters) return keyword;
  }
  return undefined;
}

export function intersectPermissions(a: ReadonlySet<Permission>, b: ReadonlySet<Permission>): Set<Permission> {
  return new Set([...a].filter((p) => b.has(p)));
}
