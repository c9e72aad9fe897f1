-- The authorization server's own resources (Client, User, AccessPolicy): current version only, no history.
-- tenant is the resource's meta._tenant ('' when none); ids are global, since a client_id must name one client.
CREATE TABLE auth_client (
  id           text        PRIMARY KEY,
  version_id   integer     NOT NULL,
  last_updated timestamptz NOT NULL,
  tenant       text        NOT NULL DEFAULT '',
  content      jsonb       NOT NULL
);

CREATE TABLE auth_user (
  id           text        PRIMARY KEY,
  version_id   integer     NOT NULL,
  last_updated timestamptz NOT NULL,
  tenant       text        NOT NULL DEFAULT '',
  content      jsonb       NOT NULL
);
-- Sign-in looks users up by email; two users with one email would make that ambiguous.
CREATE UNIQUE INDEX auth_user_email ON auth_user (lower(content->>'email'));

CREATE TABLE auth_access_policy (
  id           text        PRIMARY KEY,
  version_id   integer     NOT NULL,
  last_updated timestamptz NOT NULL,
  tenant       text        NOT NULL DEFAULT '',
  content      jsonb       NOT NULL
);
