import { importJWK, type CryptoKey, type JWK } from 'jose';
import { generateSigningKey } from './key-material.ts';
import { requiredAlgs, type SigningAlg } from './signing-algorithms.ts';
import type { NewSigningKey, SigningKeyState, SigningKeyStore } from './signing-key-store.ts';

/** A published key as it appears in the JWKS (RFC 7517 §4): public members plus kid, alg, use. */
export type PublicJwk = JWK & { kid: string; alg: SigningAlg; use: 'sig' };

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

export type KeyStatus = 'active' | 'verifying' | 'retired';

export interface SigningKeyInfo {
  kid: string;
  alg: SigningAlg;
  createdAt: Date;
  status: KeyStatus;
}

/** The domain port token issuers and verifiers use. */
export interface SigningKeys {
  /** The algorithm access tokens are signed with (id_tokens always use RS256). */
  readonly accessTokenAlg: SigningAlg;
  /** The active private key for alg; creates the key set on first use. */
  signingKey(alg: SigningAlg): Promise<SigningKey>;
  /** The public key for kid while it is published; undefined for unknown or retired kids. */
  verificationKey(kid: string): Promise<SigningKey | undefined>;
  /** The JWK Set to publish: every key that still verifies, public members only. */
  jwks(): Promise<{ keys: PublicJwk[] }>;
  /** Creates the active key of every required algorithm that lacks one. */
  ensure(): Promise<void>;
  /** Adds a new active key per required algorithm; older keys keep verifying until retired. */
  rotate(): Promise<SigningKeyInfo[]>;
  /** True when this call retired the key; false when it was retired already (nothing written). */
  retire(kid: string): Promise<boolean>;
  list(): Promise<SigningKeyInfo[]>;
}

export interface SigningKeysOptions {
  store: SigningKeyStore;
  now: () => Date;
  accessTokenAlg: SigningAlg;
  /** Superseded keys stop verifying this many days after their successor was created; 0 keeps them until retired. */
  retireAfterDays: number;
  generate?: (alg: SigningAlg, createdAt: Date) => Promise<NewSigningKey>;
  /** How long a process trusts its cached key list before re-reading it. */
  refreshIntervalMs?: number;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningKeyError';
  }
}

const DAY_MS = 86_400_000;
// An unknown kid forces a re-read at most this often, so tokens with random kids cannot flood the database.
const UNKNOWN_KID_REREAD_MS = 1000;

interface ImportedKey {
  alg: SigningAlg;
  publicJwk: JWK;
  publicKey?: CryptoKey;
  privateJwk: JWK;
  privateKey?: CryptoKey;
}

/**
 * Signing keys backed by the database, which stays the truth: the key list is re-read every
 * refresh interval (and at once for an unknown kid), so a rotation by another process or the
 * CLI is seen; key material is imported once per process, cached by kid.
 */
export function createSigningKeys(options: SigningKeysOptions): SigningKeys {
  const { store, now, accessTokenAlg } = options;
  const generate = options.generate ?? generateSigningKey;
  const refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
  const required = requiredAlgs(accessTokenAlg);

  let states: SigningKeyState[] | undefined;
  let readAt = 0;
  let ensuring: Promise<void> | undefined;
  const material = new Map<string, ImportedKey>();

  /** Reads the key list now (never a read already in flight: it may predate a key just inserted). */
  async function reread(): Promise<SigningKeyState[]> {
    const list = await store.list();
    const unknown = list.filter((s) => !material.has(s.kid)).map((s) => s.kid);
    if (unknown.length) {
      for (const row of await store.read(unknown)) {
        material.set(row.kid, { alg: row.alg, publicJwk: row.publicJwk, privateJwk: row.privateJwk });
      }
    }
    states = list;
    readAt = now().getTime();
    return list;
  }

  async function current(): Promise<SigningKeyState[]> {
    if (states && now().getTime() - readAt < refreshIntervalMs) return states;
    return reread();
  }

  // The last classification, for the list and the second it was made in: every token verification asks.
  let classified: { list: SigningKeyState[]; second: number; status: Map<string, KeyStatus> } | undefined;
  function classify(list: SigningKeyState[]): Map<string, KeyStatus> {
    const at = now().getTime();
    const second = Math.floor(at / 1000);
    if (classified?.list === list && classified.second === second) return classified.status;
    const status = classifyAt(list, at);
    classified = { list, second, status };
    return status;
  }

  function classifyAt(list: SigningKeyState[], at: number): Map<string, KeyStatus> {
    const status = new Map<string, KeyStatus>();
    const byAlg = new Map<SigningAlg, SigningKeyState[]>();
    for (const s of [...list].sort((a, b) => a.seq - b.seq)) {
      const group = byAlg.get(s.alg) ?? [];
      group.push(s);
      byAlg.set(s.alg, group);
    }
    for (const group of byAlg.values()) {
      const live = group.filter((s) => !s.retiredAt);
      live.forEach((s, i) => {
        const successor = live[i + 1];
        if (!successor) status.set(s.kid, 'active');
        else if (options.retireAfterDays > 0 && at - successor.createdAt.getTime() > options.retireAfterDays * DAY_MS) status.set(s.kid, 'retired');
        else status.set(s.kid, 'verifying');
      });
      for (const s of group) if (s.retiredAt) status.set(s.kid, 'retired');
    }
    return status;
  }

  function activeKid(list: SigningKeyState[], alg: SigningAlg): string | undefined {
    const status = classify(list);
    return list.find((s) => s.alg === alg && status.get(s.kid) === 'active')?.kid;
  }

  async function ensure(): Promise<void> {
    ensuring ??= (async () => {
      try {
        const list = await reread();
        if (required.every((alg) => activeKid(list, alg))) return;
        await store.locked(async (keys) => {
          // Re-check under the lock: another process may have created them meanwhile.
          const locked = await keys.list();
          for (const alg of required) {
            if (!activeKid(locked, alg)) await keys.insert(await generate(alg, now()));
          }
        });
        await reread();
      } finally {
        ensuring = undefined;
      }
    })();
    return ensuring;
  }

  async function importPrivate(kid: string): Promise<SigningKey> {
    const m = material.get(kid);
    if (!m) throw new SigningKeyError(`signing key ${kid} is not loaded`);
    m.privateKey ??= (await importJWK(m.privateJwk, m.alg)) as CryptoKey;
    return { kid, alg: m.alg, key: m.privateKey };
  }

  async function importPublic(kid: string): Promise<SigningKey> {
    const m = material.get(kid);
    if (!m) throw new SigningKeyError(`signing key ${kid} is not loaded`);
    m.publicKey ??= (await importJWK(m.publicJwk, m.alg)) as CryptoKey;
    return { kid, alg: m.alg, key: m.publicKey };
  }

  const info = (list: SigningKeyState[]): SigningKeyInfo[] => {
    const status = classify(list);
    return [...list]
      .sort((a, b) => a.seq - b.seq)
      .map((s) => ({ kid: s.kid, alg: s.alg, createdAt: s.createdAt, status: status.get(s.kid) ?? 'retired' }));
  };

  return {
    accessTokenAlg,

    async signingKey(alg) {
      if (!required.includes(alg)) throw new SigningKeyError(`no signing key is configured for ${alg}`);
      let kid = activeKid(await current(), alg);
      if (!kid) {
        await ensure();
        kid = activeKid(await current(), alg);
      }
      if (!kid) throw new SigningKeyError(`no active ${alg} signing key`);
      return importPrivate(kid);
    },

    async verificationKey(kid) {
      let list = await current();
      if (!list.some((s) => s.kid === kid) && now().getTime() - readAt >= UNKNOWN_KID_REREAD_MS) list = await reread();
      const status = classify(list).get(kid);
      if (status === undefined || status === 'retired') return undefined;
      return importPublic(kid);
    },

    async jwks() {
      // Always fresh: a key another process just activated must be published before anything verifies against it.
      let list = await reread();
      if (!required.every((alg) => activeKid(list, alg))) {
        await ensure();
        list = states ?? (await reread());
      }
      const status = classify(list);
      const keys: PublicJwk[] = [];
      for (const s of [...list].sort((a, b) => b.seq - a.seq)) {
        const m = material.get(s.kid);
        if (!m || status.get(s.kid) === 'retired') continue;
        keys.push({ ...m.publicJwk, kid: s.kid, alg: s.alg, use: 'sig' });
      }
      return { keys };
    },

    ensure,

    async rotate() {
      const created = await store.locked(async (keys) => {
        const kids: string[] = [];
        for (const alg of required) {
          const key = await generate(alg, now());
          await keys.insert(key);
          kids.push(key.kid);
        }
        return kids;
      });
      const list = await reread();
      return info(list).filter((k) => created.includes(k.kid));
    },

    async retire(kid) {
      const retired = await store.locked(async (keys) => {
        const list = await keys.list();
        const target = list.find((s) => s.kid === kid);
        if (!target) throw new SigningKeyError(`no signing key with kid ${kid}`);
        if (target.retiredAt) return false;
        if (classify(list).get(kid) === 'active' && required.includes(target.alg)) {
          throw new SigningKeyError(`${kid} is the active ${target.alg} key; run "portico keys rotate" first`);
        }
        await keys.retire(kid, now());
        return true;
      });
      await reread();
      return retired;
    },

    async list() {
      return info(await reread());
    },
  };
}
