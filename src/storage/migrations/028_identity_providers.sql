-- Identity providers: the OpenID providers a tenant's Users may sign in with (src/auth/federation). Same shape as the
-- other registry tables; the tenant column is the provider's meta._tenant ('' for the default tenant's).
CREATE TABLE auth_identity_provider (
  id           text        PRIMARY KEY,
  version_id   integer     NOT NULL,
  last_updated timestamptz NOT NULL,
  tenant       text        NOT NULL DEFAULT '',
  content      jsonb       NOT NULL
);

CREATE INDEX auth_identity_provider_tenant ON auth_identity_provider (tenant, id);

-- A federated sign-in finds its User by the upstream's issuer and subject (User.identities), within the tenant.
CREATE INDEX auth_user_identities ON auth_user USING gin ((content->'identities') jsonb_path_ops);

-- A sign-in at an upstream in progress: what the callback must find again (PKCE verifier, nonce, where to return),
-- keyed by the SHA-256 of its `state` and bound to the browser that started it (the SHA-256 of a cookie's value).
-- A row is taken (deleted) by the callback that uses it, so a `state` is good once; rows expire.
CREATE TABLE auth_federation_state (
  state_hash    text        PRIMARY KEY,
  browser_hash  text        NOT NULL,
  tenant        text        NOT NULL,
  provider_id   text        NOT NULL,
  nonce         text        NOT NULL,
  code_verifier text        NOT NULL,
  return_to     text        NOT NULL,
  expires_at    timestamptz NOT NULL
);

CREATE INDEX auth_federation_state_expiry ON auth_federation_state (expires_at);
