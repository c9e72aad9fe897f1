-- Dynamic client registration (RFC 7591/7592). Tokens are stored as SHA-256 hashes only.
-- A registration goes with its Client: deleting the Client (here or in the admin API) ends it.
CREATE TABLE client_registration (
  client_id         text        PRIMARY KEY REFERENCES auth_client (id) ON DELETE CASCADE,
  access_token_hash text        NOT NULL,
  updated_at        timestamptz NOT NULL
);

CREATE TABLE initial_access_token (
  token_hash text        PRIMARY KEY,
  issued_to  text        NOT NULL,
  issued_at  timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
