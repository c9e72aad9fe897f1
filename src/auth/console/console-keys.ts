import { adminActor, type RegistryAudit } from '../audit/registry-events.ts';
import { requiredAlgs } from '../keys/signing-algorithms.ts';
import { SigningKeyError, type SigningKeyInfo, type SigningKeys } from '../keys/signing-keys.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';
import type { ConsoleAdmin } from './console-admission.ts';

const DAY_MS = 86_400_000;

/** A signing key as the console shows it: whether it signs, and until when a superseded one still verifies. */
export interface ConsoleKey extends SigningKeyInfo {
  /** The key new tokens of its algorithm are signed with. */
  signs: boolean;
  /** A superseded key: when its successor was created. */
  supersededAt?: Date;
  /** A superseded key: when it stops verifying by itself; absent: only when retired (retireAfterDays 0). */
  verifiesUntil?: Date;
}

export interface KeysOverview {
  keys: ConsoleKey[];
  /** SIGNING_KEY_RETIRE_AFTER_DAYS: 0 keeps superseded keys until retired. */
  retireAfterDays: number;
}

export type RetireOutcome = { retired: true } | { retired: false; reason: 'unknown' | 'active' | 'already-retired'; message: string };

/** The console's keys section: the same rotation and retirement as `portico keys`, recorded with the administrator as actor. */
export interface ConsoleKeys {
  overview(): Promise<KeysOverview>;
  /** The new active keys (one per algorithm in use). */
  rotate(admin: ConsoleAdmin): Promise<SigningKeyInfo[]>;
  retire(admin: ConsoleAdmin, kid: string): Promise<RetireOutcome>;
}

export interface ConsoleKeysDeps {
  keys: SigningKeys;
  retireAfterDays: number;
  /** The registry's trail: key changes are the deployment's, recorded at the default tenant (as the CLI does). */
  audit: RegistryAudit;
}

/**
 * Which key signs and until when each superseded key verifies, from the keys' order (SigningKeys.list: oldest first).
 * A verifying key's successor is the next key of its algorithm not retired: it stops verifying `retireAfterDays` after
 * that one was created (signing-keys.ts classifies the same way).
 */
export function describeKeys(list: readonly SigningKeyInfo[], accessTokenAlg: SigningKeys['accessTokenAlg'], retireAfterDays: number): ConsoleKey[] {
  const required = requiredAlgs(accessTokenAlg);
  return list.map((key, i) => {
    const signs = key.status === 'active' && required.includes(key.alg);
    if (key.status !== 'verifying') return { ...key, signs };
    const successor = list.slice(i + 1).find((k) => k.alg === key.alg && k.status !== 'retired');
    if (!successor) return { ...key, signs };
    return {
      ...key,
      signs,
      supersededAt: successor.createdAt,
      ...(retireAfterDays > 0 ? { verifiesUntil: new Date(successor.createdAt.getTime() + retireAfterDays * DAY_MS) } : {}),
    };
  });
}

export function createConsoleKeys(deps: ConsoleKeysDeps): ConsoleKeys {
  const { keys, audit } = deps;
  return {
    async overview() {
      return { keys: describeKeys(await keys.list(), keys.accessTokenAlg, deps.retireAfterDays), retireAfterDays: deps.retireAfterDays };
    },

    async rotate(admin) {
      const added = await keys.rotate();
      // As `portico keys rotate` records it (src/cli/keys.ts), the administrator as the actor.
      await audit.record(DEFAULT_TENANT, adminActor(admin.caller), added.map((k) => ({ object: 'key', change: 'rotated', id: k.kid, description: `New active ${k.alg} key` })));
      return added;
    },

    async retire(admin, kid) {
      const key = describeKeys(await keys.list(), keys.accessTokenAlg, deps.retireAfterDays).find((k) => k.kid === kid);
      if (!key) return { retired: false, reason: 'unknown', message: `There is no signing key ${kid}.` };
      if (key.signs) return { retired: false, reason: 'active', message: `${kid} is the active ${key.alg} key: it signs every new token. Rotate the keys first; then retire it once the tokens it signed have expired.` };
      try {
        if (!(await keys.retire(kid))) return { retired: false, reason: 'already-retired', message: `${kid} was retired already.` };
      } catch (error) {
        // Another administrator rotated or retired meanwhile: the key service's own check refused it.
        if (error instanceof SigningKeyError) return { retired: false, reason: 'active', message: error.message };
        throw error;
      }
      await audit.record(DEFAULT_TENANT, adminActor(admin.caller), [{ object: 'key', change: 'retired', id: kid }]);
      return { retired: true };
    },
  };
}
