import { z } from 'zod';

/** A SMART 2.2 `fhirContext` entry (SMART App Launch 2.2.0 §"fhirContext"). */
const fhirContextEntry = z.object({
  reference: z.string().optional(),
  canonical: z.string().optional(),
  identifier: z.unknown().optional(),
  type: z.string().optional(),
  role: z.string().optional(),
});

/**
 * RFC 6749 §5.1 plus the SMART App Launch 2.2 launch-context members: the type every grant returns, and the schema
 * the OpenAPI document publishes (the tests hold real answers to it).
 */
export const tokenResponseSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
  patient: z.string().optional(),
  encounter: z.string().optional(),
  fhirContext: z.array(fhirContextEntry).optional(),
  need_patient_banner: z.boolean().optional(),
  smart_style_url: z.string().optional(),
  /** The user behind a user grant with `openid`, as seed 002 shows it (user-claims.ts). */
  userinfo: z.record(z.string(), z.unknown()).optional(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

/** RFC 7662 §2.2: an inactive token is exactly `{"active": false}`; an active one names its claims. */
export const introspectionResponseSchema = z.union([
  z.strictObject({ active: z.literal(false) }),
  z.looseObject({
    active: z.literal(true),
    scope: z.string(),
    client_id: z.string(),
    token_type: z.enum(['Bearer', 'refresh_token']),
    exp: z.number().int(),
    iat: z.number().int(),
    sub: z.string(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    iss: z.string(),
    jti: z.string().optional(),
    patient: z.string().optional(),
    encounter: z.string().optional(),
    fhirUser: z.string().optional(),
  }),
]);

/** RFC 6749 §5.2: every OAuth endpoint's refusal. */
export const oauthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });
