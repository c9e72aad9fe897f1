import type { ApplicationType } from './application-input.ts';

/**
 * The scopes a developer may ask for, by kind of app (SMART App Launch 2.2 §"Scopes and Launch Context"; SMART
 * Backend Services: `system/` scopes only). The portal offers them as checkboxes; the Client stores them as `scope`.
 */
const SMART_APP_SCOPES = ['openid', 'fhirUser', 'offline_access', 'online_access', 'launch/patient', 'launch/encounter', 'patient/*.rs'] as const;
const SCOPES_BY_TYPE: Record<ApplicationType, readonly string[]> = {
  'patient-facing-smart-app': SMART_APP_SCOPES,
  'provider-facing-smart-app': ['launch', ...SMART_APP_SCOPES, 'user/*.rs'],
  'bulk-api-client': ['system/*.rs'],
};

/** What an app of this type may ask for. */
export function scopesFor(type: ApplicationType): readonly string[] {
  return SCOPES_BY_TYPE[type];
}

/** Every scope the portal offers, each once, in a stable order. */
export function allApplicationScopes(): string[] {
  return [...new Set(Object.values(SCOPES_BY_TYPE).flat())];
}
