/**
 * The standing of Clients and Users (migration 017), in SQL: a number a row draws anew each time a write changes
 * whether it is active. Grants, authorization codes and sign-in sessions record the standing of their Client and
 * User when they are made, only while those are active, and count only while it is still current.
 */

/** Whether the Client or User row `alias` is inactive: `active: false` (absent means active). */
export const isInactive = (alias: string): string => `COALESCE(${alias}.content->'active' = 'false'::jsonb, false)`;

/**
 * An update of row `t` to the content `content` (a SQL expression of type jsonb): a new standing when the write
 * deactivates or reactivates the row.
 */
export const nextStandingFor = (content: string): string =>
  `standing = CASE WHEN ${isInactive('t')} <> COALESCE(${content}->'active' = 'false'::jsonb, false) THEN nextval('auth_standing') ELSE t.standing END`;

/** The registry put's upsert (table alias `t`, the row it would insert `EXCLUDED`). */
export const NEXT_STANDING = nextStandingFor('EXCLUDED.content');

/** The current standing of an active row of `table` whose id is `idParam`; NULL (never matching) when missing or inactive. */
export const activeStanding = (table: 'auth_client' | 'auth_user', idParam: string): string =>
  `(SELECT s.standing FROM ${table} s WHERE s.id = ${idParam}::text AND NOT ${isInactive('s')})`;
