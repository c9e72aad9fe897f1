-- Retention (AUDIT_RETENTION_DAYS): expiry removes the oldest events of a chain, always a prefix in seq order, and
-- keeps here where the chain now starts: the last removed seq and its hash (checked before removal), in the same
-- transaction as the DELETE. `portico audit verify` then checks the oldest retained event against its anchor
-- instead of the genesis hash. A chain whose events have all expired keeps its anchor: a writer still appending to
-- it continues from there (src/storage/audit/audit-store.ts).
CREATE TABLE audit_chain_anchor (
  chain      text        PRIMARY KEY,
  tenant     text        NOT NULL,
  seq        bigint      NOT NULL,
  hash       text        NOT NULL,
  expired_at timestamptz NOT NULL
);

-- Expiry finds the chains with events older than the retention, and `portico audit export` and `tail` read by
-- time over every tenant: both by recorded alone (audit_event_tenant_recorded serves one tenant's reads).
CREATE INDEX audit_event_recorded ON audit_event (recorded);
