/** Lifetimes the token endpoint works with, all in seconds. */
export interface TokenSettings {
  /** ACCESS_TOKEN_MAX_LIFETIME: no access token lives longer, whatever its Client says. */
  accessTokenMaxLifetime: number;
  /** Refresh tokens of a grant with offline_access / online_access (REFRESH_TOKEN_LIFETIME; ≥ 3 months for ONC §170.315(g)(10)). */
  refreshTokenLifetime: number;
}

/** Access tokens from a user's authorization, when the Client sets no `auth.authorization_code.access_token_expiration`. */
export const DEFAULT_USER_ACCESS_TOKEN_LIFETIME = 3600;
/** Backend (client_credentials) access tokens, when the Client sets none: SMART Backend Services recommends 5 minutes. */
export const DEFAULT_BACKEND_ACCESS_TOKEN_LIFETIME = 300;
