import { z } from 'zod';
import { AUTH_METHODS, DCR_GRANT_TYPES } from './client-metadata.ts';

/**
 * RFC 7591 §3.2.1 / RFC 7592 §3: the client information response, as the OpenAPI document publishes it (the tests
 * hold real answers to it): the metadata as registered, the client's credentials and where to manage it.
 */
export const clientInformationSchema = z.looseObject({
  client_id: z.string(),
  client_secret: z.string().optional(),
  client_id_issued_at: z.number().int(),
  client_secret_expires_at: z.number().int().optional(),
  registration_access_token: z.string(),
  registration_client_uri: z.string(),
  redirect_uris: z.array(z.string()),
  token_endpoint_auth_method: z.enum(AUTH_METHODS),
  grant_types: z.array(z.enum(DCR_GRANT_TYPES)),
  response_types: z.array(z.string()),
  scope: z.string(),
});

/** RFC 7591 §3: an initial access token for registration, and when it expires (seconds since the epoch). */
export const initialAccessTokenSchema = z.strictObject({ token: z.string(), expires_at: z.number().int() });
