-- Token signing keys (src/auth/keys). The newest non-retired key per alg signs; older
-- non-retired keys stay published in the JWKS so tokens they signed keep verifying.
-- private_jwk is never selected except to sign; it never leaves the process.
CREATE TABLE signing_key (
  kid text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  private_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);
CREATE UNIQUE INDEX signing_key_seq_idx ON signing_key (seq);
