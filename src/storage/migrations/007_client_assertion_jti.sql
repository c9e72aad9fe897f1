-- Client-assertion jti ledger (src/auth/client-auth, RFC 7523 §3 item 7): a jti is single-use per client
-- until expires_at. The primary key makes "insert or fail" atomic across server processes; expired rows
-- are purged opportunistically by the store.
CREATE TABLE client_assertion_jti (
  client_id text NOT NULL,
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertion_jti_expires_idx ON client_assertion_jti (expires_at);
