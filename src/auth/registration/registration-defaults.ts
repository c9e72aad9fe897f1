/** What a registration gets when it leaves a field out (RFC 7591 §2 defaults, SMART scopes). */
export const DEFAULT_AUTH_METHOD = 'client_secret_basic';
/** Seed 001's response: a client that names no grant types gets the code grant and refresh tokens. */
export const DEFAULT_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export const DEFAULT_RESPONSE_TYPES = ['code'] as const;

/** Scopes a user-facing app may ask for when it registers without a `scope` (SMART App Launch v1 and v2 forms). */
export const DEFAULT_APP_SCOPE = [
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'offline_access', 'online_access',
  'patient/*.read', 'patient/*.rs', 'user/*.read', 'user/*.rs',
];
/** Scopes a backend client (client_credentials only) may ask for. */
export const DEFAULT_SYSTEM_SCOPE = ['system/*.read', 'system/*.rs'];
