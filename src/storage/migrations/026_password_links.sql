-- One-time links that set a User's password: an administrator's invitation of a User made without one, or a reset
-- link (src/auth/console/password-links.ts). Only the SHA-256 of the token is kept; a link is used once (its row is
-- deleted as it is used), expires, and counts only while its User's standing (migration 017) is the one it was
-- issued under: deactivating the User ends it, and deleting the User deletes it.
CREATE TABLE auth_password_link (
  token_hash    text        PRIMARY KEY,
  user_id       text        NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
  purpose       text        NOT NULL CHECK (purpose IN ('invitation', 'reset')),
  issued_at     timestamptz NOT NULL,
  expires_at    timestamptz NOT NULL,
  user_standing bigint
);

-- A new link of a User ends its others.
CREATE INDEX auth_password_link_user ON auth_password_link (user_id);
