import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { DICOM_SUBTYPE, EVENT_TYPE, porticoSubtype } from '../../fhir/audit/audit-codes.ts';
import type { AuditEvent } from '../../fhir/audit/audit-trail.ts';
import { securityEvent } from './security-events.ts';

/**
 * The administrators' second factor (src/auth/mfa), as security events of the same kind as the sign-in's: a code
 * presented is part of signing in (DICOM User Authentication, Login), an enrolment changes the User's security
 * attributes. No code, secret or recovery code ever goes into one.
 */
export const SECOND_FACTOR_SUBTYPE = {
  enrolled: porticoSubtype('second-factor-enrolled', 'Second factor enrolled'),
  verified: porticoSubtype('second-factor-verified', 'Second factor presented'),
  failed: porticoSubtype('second-factor-failed', 'Second factor refused'),
  lockout: porticoSubtype('second-factor-lockout', 'Second factor refused: too many attempts'),
  recoveryCodeUsed: porticoSubtype('recovery-code-used', 'Recovery code used'),
} as const;

/** How the factor was presented. */
export type SecondFactorMethod = 'totp' | 'recovery-code';

const login = (code: (typeof SECOND_FACTOR_SUBTYPE)[keyof typeof SECOND_FACTOR_SUBTYPE]) => ({ type: EVENT_TYPE.userAuthentication, subtype: [DICOM_SUBTYPE.login, code] });

/** The User confirmed a new TOTP secret with a first valid code; their recovery codes were issued. */
export const secondFactorEnrolled = (site: string, actor: AuditActor): AuditEvent =>
  securityEvent(site, { type: EVENT_TYPE.securityAlert, subtype: [DICOM_SUBTYPE.userSecurityAttributesChanged, SECOND_FACTOR_SUBTYPE.enrolled], outcome: '0', actor });

/** The session presented the second factor. */
export const secondFactorVerified = (site: string, actor: AuditActor, method: SecondFactorMethod): AuditEvent =>
  securityEvent(site, { ...login(SECOND_FACTOR_SUBTYPE.verified), outcome: '0', outcomeDesc: method, actor });

/** A wrong, spent or replayed code (RFC 6238 §5.2: a code is accepted once). */
export const secondFactorFailed = (site: string, actor: AuditActor, reason: string): AuditEvent =>
  securityEvent(site, { ...login(SECOND_FACTOR_SUBTYPE.failed), outcome: '4', outcomeDesc: reason, actor });

/** The throttle refused an attempt before any code was accepted. */
export const secondFactorLockedOut = (site: string, actor: AuditActor, retryAfterSeconds: number): AuditEvent =>
  securityEvent(site, {
    ...login(SECOND_FACTOR_SUBTYPE.lockout),
    outcome: '4',
    outcomeDesc: `too many second-factor attempts for this account; refused for ${retryAfterSeconds} s`,
    actor,
  });

/** A recovery code was spent (it never works again); how many are left. */
export const recoveryCodeUsed = (site: string, actor: AuditActor, left: number): AuditEvent =>
  securityEvent(site, {
    type: EVENT_TYPE.securityAlert,
    subtype: [DICOM_SUBTYPE.userSecurityAttributesChanged, SECOND_FACTOR_SUBTYPE.recoveryCodeUsed],
    outcome: '0',
    outcomeDesc: `${left} recovery code${left === 1 ? '' : 's'} left`,
    actor,
  });
