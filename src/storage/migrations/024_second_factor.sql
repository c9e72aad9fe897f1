-- Administrators' second factor (src/auth/mfa): one TOTP secret per User (RFC 6238), sealed under SECRETS_KEY.
-- enrolled_at stays NULL until a first valid code confirms the enrolment; last_time_step is the highest time step
-- accepted, so no code is accepted twice (RFC 6238 §5.2). Deleting the User deletes it.
CREATE TABLE IF NOT EXISTS auth_second_factor (
  user_id text PRIMARY KEY REFERENCES auth_user (id) ON DELETE CASCADE,
  totp_secret text NOT NULL,
  created_at timestamptz NOT NULL,
  enrolled_at timestamptz,
  last_time_step bigint
);

-- Recovery codes: SHA-256 of each (they are random, 80 bits), each spent once.
CREATE TABLE IF NOT EXISTS auth_recovery_code (
  user_id text NOT NULL REFERENCES auth_second_factor (user_id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  spent_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- When this sign-in session presented the second factor (NULL: not yet).
ALTER TABLE auth_session ADD COLUMN IF NOT EXISTS second_factor_at timestamptz;
