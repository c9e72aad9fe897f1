-- The audit trail: FHIR AuditEvents in hash chains. A chain is written by one writer only (one process start:
-- `<tenant>/<writer id>`), so its seq and hashes are assigned without asking the database. Each row carries the hash
-- of its predecessor in the chain (prev_hash) and its own hash over chain, seq, tenant, recorded and resource
-- (src/storage/audit/audit-hash.ts), so an UPDATE or a DELETE made in SQL breaks the chain where it was made.
CREATE TABLE audit_event (
  tenant    text        NOT NULL,
  chain     text        NOT NULL,
  seq       bigint      NOT NULL,
  recorded  timestamptz NOT NULL,
  resource  jsonb       NOT NULL,
  prev_hash text        NOT NULL,
  hash      text        NOT NULL,
  PRIMARY KEY (chain, seq)
);

CREATE INDEX audit_event_tenant_recorded ON audit_event (tenant, recorded);
