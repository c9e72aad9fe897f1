import type { Grant } from '../grants/grant.ts';

/** RFC 6749 §5.1 plus the SMART App Launch 2.2 launch-context members. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
  fhirContext?: Grant['fhirContext'];
  need_patient_banner?: boolean;
  smart_style_url?: string;
  /** The user behind a user grant with `openid`, as seed 002 shows it (user-claims.ts). */
  userinfo?: Record<string, unknown>;
}
