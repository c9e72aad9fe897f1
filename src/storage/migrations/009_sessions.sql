-- Browser sessions behind the sign-in page (src/auth/sessions). Only a hash of the cookie's id is kept.
CREATE TABLE IF NOT EXISTS auth_session (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  auth_time timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS auth_session_expires ON auth_session (expires_at);

CREATE INDEX IF NOT EXISTS auth_session_user ON auth_session (user_id);

-- Sign-in attempts per account (`account:<email>`) and per client address (`ip:<address>`), in fixed windows.
CREATE TABLE IF NOT EXISTS auth_login_attempt (
  key text PRIMARY KEY,
  attempts integer NOT NULL,
  window_started_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS auth_login_attempt_window ON auth_login_attempt (window_started_at);
