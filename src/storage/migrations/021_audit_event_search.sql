-- The audit trail's search columns (FHIR R4 AuditEvent search parameters), filled by the store when it writes an
-- event, from the event, by src/fhir/audit/audit-search-keys.ts: each holds the keys its parameter's values are
-- compared with. The hash chain does not cover them (they are derived; `portico audit verify` recomputes them).
-- Events written before this migration get theirs at the next start (src/storage/audit/audit-backfill.ts): until
-- then `id` is NULL, which marks them.
ALTER TABLE audit_event
  ADD COLUMN id                 text,
  ADD COLUMN patients           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN agents             text[] NOT NULL DEFAULT '{}',
  ADD COLUMN agent_identifiers  text[] NOT NULL DEFAULT '{}',
  ADD COLUMN entities           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN entity_identifiers text[] NOT NULL DEFAULT '{}',
  ADD COLUMN types              text[] NOT NULL DEFAULT '{}',
  ADD COLUMN subtypes           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN actions            text[] NOT NULL DEFAULT '{}',
  ADD COLUMN outcomes           text[] NOT NULL DEFAULT '{}',
  ADD COLUMN sources            text[] NOT NULL DEFAULT '{}';

-- Read by id (ids are random: no tenant first).
CREATE INDEX audit_event_id ON audit_event (id);

-- A patient's events (a patient reading what apps did with their record, a patient-confined token's searches).
CREATE INDEX audit_event_patients ON audit_event USING gin (patients);

-- Pages in the order of `recorded`, ties in the order written: keyset on (recorded, chain, seq) within a tenant.
DROP INDEX audit_event_tenant_recorded;
CREATE INDEX audit_event_tenant_recorded ON audit_event (tenant, recorded, chain, seq);
