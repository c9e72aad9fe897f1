-- Grants, authorization codes, refresh tokens and issued access tokens (src/auth/grants, src/auth/tokens).
-- Secrets (codes, refresh tokens) are stored only as SHA-256 hashes; a leaked table grants nothing.

-- One authorization (a user's consent to a client, or a backend client's token): revoking it ends every token it produced.
CREATE TABLE auth_grant (
  id text PRIMARY KEY,
  client_id text NOT NULL,
  user_id text,
  content jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX auth_grant_client_idx ON auth_grant (client_id);
CREATE INDEX auth_grant_user_idx ON auth_grant (user_id);

-- RFC 6749 §4.1.2: single use. used_at is set by one atomic UPDATE, so concurrent redemptions cannot both win.
CREATE TABLE authorization_code (
  code_hash text PRIMARY KEY,
  grant_id text NOT NULL,
  record jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX authorization_code_expires_idx ON authorization_code (expires_at);

-- Rotated on every use (RFC 9700 §4.14.2): rotated_at marks a spent token, whose replay revokes the grant.
CREATE TABLE refresh_token (
  token_hash text PRIMARY KEY,
  grant_id text NOT NULL REFERENCES auth_grant (id) ON DELETE CASCADE,
  scope text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz
);
CREATE INDEX refresh_token_grant_idx ON refresh_token (grant_id);

-- Access tokens are self-contained JWTs; this ledger ties each jti to its grant for audit and revocation.
CREATE TABLE access_token (
  jti text PRIMARY KEY,
  grant_id text NOT NULL REFERENCES auth_grant (id) ON DELETE CASCADE,
  issued_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX access_token_grant_idx ON access_token (grant_id);
