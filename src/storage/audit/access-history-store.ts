import type { AccessHistory, AppAccessEvent, AppAccessSummary, SignInKind, SignInRecord } from '../../auth/audit/access-history.ts';
import { CLIENT_ID_SYSTEM, DICOM, EVENT_TYPE, PORTICO_AUDIT_SUBTYPE, USER_ID_SYSTEM } from '../../fhir/audit/audit-codes.ts';
import type { SqlClient } from '../database.ts';
import { storageTenant } from '../tenant-key.ts';

/**
 * A user's FHIR requests about their patient, per client: the tenant's events in the window that name the patient
 * (migration 021's `patients` column and its index), narrowed by jsonb containment on the patient entity and the user agent, and
 * only the FHIR API's events (BALP `rest`, DICOM Export). From it, per client: the last access, successful reads per
 * UTC day and resource type (aggregated here), and the newest events (row_number, at most $6; events recorded in the
 * same millisecond by one writer in their chain's order).
 *
 * The resource type is the resource entity's (role 4, `Type/id[/_history/v]`) or the query's (role 24, `what.type`).
 * Its id is kept only when no other patient's entity (role 1) is on the event.
 */
const APP_ACCESS = `WITH touched AS MATERIALIZED (
  SELECT e.recorded, e.chain, e.seq, e.resource AS r,
    (SELECT a->'who'->'identifier'->>'value' FROM jsonb_array_elements(e.resource->'agent') a
      WHERE a->'who'->'identifier'->>'system' = $5 LIMIT 1) AS client_id,
    (SELECT x->'what'->>'reference' FROM jsonb_array_elements(e.resource->'entity') x
      WHERE x->'role'->>'code' = '4' AND x->'what' ? 'reference' LIMIT 1) AS reference,
    (SELECT x->'what'->>'type' FROM jsonb_array_elements(e.resource->'entity') x
      WHERE x->'role'->>'code' = '24' LIMIT 1) AS query_type,
    NOT EXISTS (SELECT 1 FROM jsonb_array_elements(e.resource->'entity') x
      WHERE x->'role'->>'code' = '1' AND x->'what'->>'reference' IS DISTINCT FROM $4) AS own_only
  FROM audit_event e
  WHERE e.tenant = $1 AND e.recorded >= $2 AND e.patients @> ARRAY[$4::text] AND e.resource @> $3::jsonb
    AND e.resource->'type'->>'code' IN ('${EVENT_TYPE.rest.code}', '${EVENT_TYPE.export.code}')
),
typed AS (
  SELECT recorded, chain, seq, r, client_id, reference, own_only,
    coalesce(split_part(reference, '/', 1), query_type) AS resource_type
  FROM touched WHERE client_id IS NOT NULL
),
reads AS (
  SELECT client_id, to_char(recorded AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, resource_type, count(*) AS n
  FROM typed WHERE r->>'outcome' = '0' AND r->>'action' = 'R' AND resource_type IS NOT NULL
  GROUP BY 1, 2, 3
),
ranked AS (
  SELECT typed.*, row_number() OVER (PARTITION BY client_id ORDER BY recorded DESC, chain, seq DESC) AS nth FROM typed
)
SELECT c.client_id, max(c.recorded) AS last_access,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('day', day, 'resourceType', resource_type, 'count', n) ORDER BY day DESC, resource_type), '[]'::jsonb)
    FROM reads WHERE reads.client_id = c.client_id) AS reads,
  (SELECT coalesce(jsonb_agg(jsonb_build_object(
      'recorded', k.r->>'recorded',
      'interaction', k.r->'subtype'->0->>'code',
      'resourceType', k.resource_type,
      'resourceId', CASE WHEN k.own_only THEN nullif(split_part(k.reference, '/', 2), '') END,
      'allowed', k.r->>'outcome' = '0') ORDER BY k.recorded DESC, k.chain, k.seq DESC), '[]'::jsonb)
    FROM ranked k WHERE k.client_id = c.client_id AND k.nth <= $6) AS events
FROM typed c
GROUP BY c.client_id
ORDER BY last_access DESC`;

/**
 * The user's sign-in events (DICOM User Authentication, Portico's subtypes), newest first (one writer's events of the
 * same millisecond in their chain's order). A lockout names no user (the throttle refuses before a password is
 * checked), so only those recorded with the user appear.
 */
const SIGN_INS = `SELECT recorded, kind, address FROM (
  SELECT e.recorded, e.chain, e.seq,
    (SELECT s->>'code' FROM jsonb_array_elements(e.resource->'subtype') s
      WHERE s->>'system' = $4 AND s->>'code' IN ('sign-in', 'sign-in-failed', 'lockout') LIMIT 1) AS kind,
    (SELECT a->'network'->>'address' FROM jsonb_array_elements(e.resource->'agent') a
      WHERE a->'network' ? 'address' LIMIT 1) AS address
  FROM audit_event e
  WHERE e.tenant = $1 AND e.recorded >= $2 AND e.resource @> $3::jsonb
) s WHERE kind IS NOT NULL
ORDER BY recorded DESC, chain, seq DESC LIMIT $5`;

interface AppAccessRow {
  client_id: string;
  last_access: Date | string;
  reads: { day: string; resourceType: string; count: number | string }[] | string;
  events: { recorded: string; interaction: string | null; resourceType: string | null; resourceId: string | null; allowed: boolean }[] | string;
}

const asDate = (value: Date | string) => (value instanceof Date ? value : new Date(value));
/** jsonb comes back parsed from pg and PGlite alike; a string (a driver that does not) is parsed here. */
const json = <T>(value: T | string): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

/** The user agent an event names, as jsonb containment matches it. */
const userAgent = (userId: string) => ({ agent: [{ who: { identifier: { system: USER_ID_SYSTEM, value: userId } } }] });

/** The access history of one tenant's users (`default` at the root), read from `audit_event`. */
export function createAccessHistoryStore(sql: SqlClient, tenant: string): AccessHistory {
  const tenantKey = storageTenant(tenant);
  return {
    async appAccess({ userId, patientId, since, limit }) {
      const patient = `Patient/${patientId}`;
      const about = { entity: [{ what: { reference: patient } }], ...userAgent(userId) };
      const rows = await sql.query<AppAccessRow>(APP_ACCESS, [tenantKey, since.toISOString(), JSON.stringify(about), patient, CLIENT_ID_SYSTEM, limit]);
      return rows.map(
        (row): AppAccessSummary => ({
          clientId: row.client_id,
          lastAccess: asDate(row.last_access),
          reads: json(row.reads).map((r) => ({ day: r.day, resourceType: r.resourceType, count: Number(r.count) })),
          events: json(row.events).map(
            (e): AppAccessEvent => ({
              recorded: new Date(e.recorded),
              interaction: e.interaction ?? 'unknown',
              ...(e.resourceType ? { resourceType: e.resourceType } : {}),
              ...(e.resourceId ? { resourceId: e.resourceId } : {}),
              allowed: e.allowed,
            }),
          ),
        }),
      );
    },

    async signIns({ userId, since, limit }) {
      const signIn = { type: { system: DICOM, code: EVENT_TYPE.userAuthentication.code }, ...userAgent(userId) };
      const rows = await sql.query<{ recorded: Date | string; kind: SignInKind; address: string | null }>(SIGN_INS, [
        tenantKey,
        since.toISOString(),
        JSON.stringify(signIn),
        PORTICO_AUDIT_SUBTYPE,
        limit,
      ]);
      return rows.map((row): SignInRecord => ({ recorded: asDate(row.recorded), kind: row.kind, ...(row.address ? { address: row.address } : {}) }));
    },
  };
}
