import type { CpuSample } from '../server/cpu-probe.ts';
import type { JWK } from 'jose';
import type { TreeMemory } from '../server/process-memory.ts';

/** What the bench server prints (one JSON line) when it is ready. */
export interface ReadyLine {
  ready: true;
  pid: number;
  driver: 'pglite' | 'postgres';
  /** Where this server's bulk export writes file content (BULK_EXPORT_FILES). */
  exportFiles: 'database' | 'directory';
  patients: number;
  seedSeconds: number;
  seededResources: number;
  settleSeconds: number;
  /** Path of the BenchFixtures JSON file. */
  fixtures: string;
}

/** What the bench server answers to a `stats` line on its stdin. */
export interface ServerStats {
  statements: number;
  memory: NodeJS.MemoryUsage;
  /** PSS of the server process and of its descendants (the embedded PostgreSQL server); Linux only. */
  tree?: TreeMemory;
  cpu: CpuSample;
}

/** Everything the runner needs to load the servers, written by the bench server. */
export interface BenchFixtures {
  portico: string;
  fhirBase: string;
  tokenEndpoint: string;
  ceiling: string;
  peer: { url: string; tokenEndpoint: string };
  backends: { clientId: string; alg: 'ES384' | 'RS384'; privateJwk: JWK }[];
  /** Fixture patients: a patient/ scoped access token, a refresh token, their Observation ids and codes. */
  patients: { id: string; accessToken: string; refreshToken: string; observations: string[]; codes: string[] }[];
  /** Search fixtures: index i here is index i of the ceiling's recorded searches. */
  searches: { token: string; query: string }[];
  introspection: { basic: string };
  codeFlow: { cookie: string; clientId: string; redirectUri: string; scope: string };
  resources: number;
  statementsPerSearch: number;
}

/** What the audit trail records while the scenarios run: every event (as shipped), none, or a minimal one per event. */
export type TrailSetting = 'on' | 'off' | 'minimal';
