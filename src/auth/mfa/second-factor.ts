import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { recoveryCodeUsed, secondFactorEnrolled, secondFactorFailed, secondFactorLockedOut, secondFactorVerified, type SecondFactorMethod } from '../audit/second-factor-events.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';
import type { SecondFactorGate } from '../console/console-admission.ts';
import type { SecretCipher } from '../secrets/secret-cipher.ts';
import type { FailureThrottle } from '../sessions/failure-throttle.ts';
import type { CurrentSession, SessionService } from '../sessions/session-service.ts';
import type { StoredUser } from '../users/user.ts';
import { hashRecoveryCode, newRecoveryCode, normalRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.ts';
import type { SecondFactorStore } from './second-factor-store.ts';
import { TOTP_SECRET_BYTES, totpSecretOf, totpStepOf, totpUri } from './totp.ts';

export interface SecondFactorDeps {
  store: SecondFactorStore;
  sessions: Pick<SessionService, 'presentedSecondFactor'>;
  /** Seals the TOTP secret at rest, for its User only (the context). */
  cipher: Pick<SecretCipher, 'seal' | 'open'>;
  /** Wrong codes per User (key `second-factor:<userId>`): the sign-in attempt counters, a key of their own. */
  throttle: FailureThrottle;
  /** Every enrolment, success, failure, lockout and recovery code spent, committed before the page answers. */
  audit: SecurityAudit;
  /** Production: an administrator without a second factor enrols before anything else. Sandbox: optional. */
  required: boolean;
  /** What authenticator apps list the account under: "Portico", or "Portico (tenant)". */
  issuer: string;
  now: () => Date;
  randomBytes: (size: number) => Uint8Array;
}

/** What the enrolment page shows: the secret (for manual entry) and the otpauth URI (its QR code). */
export interface PendingEnrolment {
  secret: string;
  uri: string;
}

export type SecondFactorResult =
  | { outcome: 'accepted' }
  /** A wrong, replayed or spent code: one answer for all. */
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export type EnrolmentResult = { outcome: 'enrolled'; recoveryCodes: readonly string[] } | Exclude<SecondFactorResult, { outcome: 'accepted' }> | { outcome: 'not-pending' };

export interface SecondFactorStatus {
  enrolled: boolean;
  enrolledAt?: Date;
  recoveryCodesLeft: number;
  /** Whether this deployment requires it (production). */
  required: boolean;
}

export interface SecondFactor extends SecondFactorGate {
  status(userId: string): Promise<SecondFactorStatus>;
  /** The pending secret (a new one the first time), or undefined when the User is enrolled already. */
  beginEnrolment(user: StoredUser): Promise<PendingEnrolment | undefined>;
  /** A first valid code confirms the pending secret; the session has then presented it, and the recovery codes are issued. */
  confirmEnrolment(current: CurrentSession, code: string, address: string): Promise<EnrolmentResult>;
  /** A TOTP code or a recovery code (spent); accepted, the session has presented the second factor. */
  verify(current: CurrentSession, code: string, address: string): Promise<SecondFactorResult>;
}

/** The throttle's key for a User's codes: their own, apart from the sign-in's `account:` keys. */
export const secondFactorKey = (userId: string) => `second-factor:${userId}`;

/** The additional authenticated data a User's TOTP secret is sealed with: it opens for that User only. */
export const sealContext = (userId: string) => `second-factor:${userId}`;
const actorOf = (user: StoredUser, address: string): AuditActor => ({ userId: user.id, ...(user.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}), address });

/**
 * The administrators' second factor: TOTP (RFC 6238) enrolled at first sign-in, presented once per session, with
 * single-use recovery codes. Each code is checked first, then the throttle settles (failure-throttle.ts), then an
 * accepted code is spent atomically, so neither a replay nor a race accepts one twice.
 */
export function createSecondFactor(deps: SecondFactorDeps): SecondFactor {
  const { store, audit, now } = deps;
  const secretOf = (userId: string, sealed: string) => deps.cipher.open(sealed, sealContext(userId));

  /** After the code was checked (`matched`): throttled (recorded), or refused (recorded), or on to accept it. */
  async function settle(user: StoredUser, address: string, matched: boolean, reason: string): Promise<SecondFactorResult> {
    const decision = await deps.throttle.settle(user.id, matched);
    if (!decision.allowed) {
      await audit.record(secondFactorLockedOut(audit.site, actorOf(user, address), decision.retryAfterSeconds));
      return { outcome: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    }
    if (!matched) return refuse(user, address, reason);
    return { outcome: 'accepted' };
  }
  async function refuse(user: StoredUser, address: string, reason: string): Promise<SecondFactorResult> {
    await audit.record(secondFactorFailed(audit.site, actorOf(user, address), reason));
    return { outcome: 'refused' };
  }
  async function presented(current: CurrentSession, address: string, method: SecondFactorMethod): Promise<void> {
    await audit.record(secondFactorVerified(audit.site, actorOf(current.user, address), method));
    await deps.sessions.presentedSecondFactor(current.session.idHash);
  }

  return {
    async standing(current) {
      if (current.session.secondFactorAt) return 'satisfied';
      const record = await store.get(current.user.id);
      if (record?.enrolledAt) return 'verify';
      return deps.required ? 'enrol' : 'satisfied';
    },

    async status(userId) {
      const record = await store.get(userId);
      const enrolled = record?.enrolledAt !== undefined;
      return {
        enrolled,
        ...(record?.enrolledAt ? { enrolledAt: record.enrolledAt } : {}),
        recoveryCodesLeft: enrolled ? await store.recoveryCodesLeft(userId) : 0,
        required: deps.required,
      };
    },

    async beginEnrolment(user) {
      let record = await store.get(user.id);
      if (record?.enrolledAt) return undefined;
      if (!record) {
        const secret = totpSecretOf(deps.randomBytes(TOTP_SECRET_BYTES));
        await store.savePending(user.id, deps.cipher.seal(secret, sealContext(user.id)), now());
        // Two pages opened at once: the first secret stored is the one both show.
        record = await store.get(user.id);
        if (!record || record.enrolledAt) return undefined;
      }
      const secret = secretOf(user.id, record.sealedSecret);
      return { secret, uri: totpUri(secret, deps.issuer, user.email ?? user.id) };
    },

    async confirmEnrolment(current, code, address) {
      const { user } = current;
      const record = await store.get(user.id);
      if (!record || record.enrolledAt) return { outcome: 'not-pending' };
      const at = now();
      const step = totpStepOf(secretOf(user.id, record.sealedSecret), code.trim(), at);
      const settled = await settle(user, address, step !== undefined, 'wrong code at enrolment');
      if (settled.outcome !== 'accepted' || step === undefined) return settled.outcome === 'accepted' ? { outcome: 'refused' } : settled;
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode(deps.randomBytes));
      const hashes = codes.map((c) => hashRecoveryCode(normalRecoveryCode(c) ?? c));
      if (!(await store.confirm(user.id, step, at, hashes))) return { outcome: 'not-pending' };
      await audit.record(secondFactorEnrolled(audit.site, actorOf(user, address)));
      await presented(current, address, 'totp');
      return { outcome: 'enrolled', recoveryCodes: codes };
    },

    async verify(current, code, address) {
      const { user } = current;
      const record = await store.get(user.id);
      if (!record?.enrolledAt) return refuse(user, address, 'no second factor enrolled');
      const typed = code.trim();
      const recovery = normalRecoveryCode(typed);
      if (recovery !== undefined) {
        const hash = hashRecoveryCode(recovery);
        const settled = await settle(user, address, await store.hasRecoveryCode(user.id, hash), 'wrong or spent recovery code');
        if (settled.outcome !== 'accepted') return settled;
        if (!(await store.spendRecoveryCode(user.id, hash, now()))) return refuse(user, address, 'recovery code spent meanwhile');
        await audit.record(recoveryCodeUsed(audit.site, actorOf(user, address), await store.recoveryCodesLeft(user.id)));
        await presented(current, address, 'recovery-code');
        return settled;
      }
      const step = totpStepOf(secretOf(user.id, record.sealedSecret), typed.replace(/\s/g, ''), now());
      // RFC 6238 §5.2: a code of a step already accepted (or an earlier one) is refused, as a wrong one is.
      const fresh = step !== undefined && (record.lastTimeStep === undefined || step > record.lastTimeStep);
      const reason = step === undefined ? 'wrong code' : 'code already used (RFC 6238 §5.2)';
      const settled = await settle(user, address, fresh, reason);
      if (settled.outcome !== 'accepted' || step === undefined) return settled;
      if (!(await store.acceptTimeStep(user.id, step))) return refuse(user, address, 'code already used (RFC 6238 §5.2)');
      await presented(current, address, 'totp');
      return settled;
    },
  };
}
