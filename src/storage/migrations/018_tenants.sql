-- Tenants: the organisations one deployment serves. `default` is what existed before them: its FHIR data and its
-- registry rows keep the storage tenant '' they always had. A registry row's tenant column is its meta._tenant.
-- The tenant column here only keeps the registry tables' shape (always '').
CREATE TABLE auth_tenant (
  id           text        PRIMARY KEY,
  version_id   integer     NOT NULL,
  last_updated timestamptz NOT NULL,
  tenant       text        NOT NULL DEFAULT '',
  content      jsonb       NOT NULL
);

INSERT INTO auth_tenant (id, version_id, last_updated, content)
SELECT 'default', 1, now(), jsonb_build_object(
  'resourceType', 'Tenant', 'id', 'default', 'name', 'Default', 'active', true,
  'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));

-- Registry rows that already named a tenant keep it: the tenants they name exist from now on.
INSERT INTO auth_tenant (id, version_id, last_updated, content)
SELECT named.tenant, 1, now(), jsonb_build_object(
  'resourceType', 'Tenant', 'id', named.tenant, 'name', named.tenant, 'active', true,
  'meta', jsonb_build_object('versionId', '1', 'lastUpdated', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
FROM (SELECT tenant FROM auth_client UNION SELECT tenant FROM auth_user UNION SELECT tenant FROM auth_access_policy) AS named
WHERE named.tenant ~ '^[a-z0-9][a-z0-9-]{0,62}$'
ON CONFLICT (id) DO NOTHING;
