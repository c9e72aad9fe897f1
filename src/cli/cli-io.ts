import type { ProgressStream } from './progress-bar.ts';

/** What a command may touch: its streams, environment and clock (injected, for tests). */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  /** Standard input (`admin create-user --password-stdin`); absent: the process's. */
  stdin?: AsyncIterable<string | Uint8Array>;
  now: () => Date;
  /** Commands that run until stopped (`audit tail`) stop when this aborts; absent: at SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** `audit tail`: milliseconds between two looks at the table (default 1000). */
  tailPollMs?: number;
}

/** Bad arguments or settings: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
