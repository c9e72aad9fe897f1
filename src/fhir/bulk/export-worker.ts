import { failExport, runExport, type ExportRunnerDeps, type RunResult } from './export-runner.ts';
import type { ExportLease } from './export-store.ts';

export interface ExportWorkerOptions {
  runner: ExportRunnerDeps;
  /** This worker's name in leases (unique per process). */
  owner: string;
  leaseSeconds: number;
  /** Milliseconds between looks for waiting jobs (and expired ones to delete). */
  pollIntervalMs: number;
  /** A job claimed this many times without finishing (its workers kept crashing) is failed. */
  maxAttempts: number;
  onError: (err: unknown) => void;
}

export interface ExportWorker {
  /** Runs waiting jobs (and reclaimable ones) until none is left, then deletes expired exports. The jobs run. */
  runPending(): Promise<RunResult[]>;
  /** Looks for work now rather than at the next poll (after a kick-off in this process). */
  wake(): void;
  /** Starts polling. */
  start(): void;
  /** Stops polling and waits for the job in hand to stop (its lease lapses, another process resumes it). */
  stop(): Promise<void>;
}

/**
 * The background worker: any process sharing the database may run one. Jobs are claimed from the
 * database (FOR UPDATE SKIP LOCKED) under a lease the runner renews about once a second; a job whose
 * worker died is claimed again once its lease has expired, and restarted.
 */
export function createExportWorker(options: ExportWorkerOptions): ExportWorker {
  const { runner } = options;
  const lease: ExportLease = { owner: options.owner, leaseSeconds: options.leaseSeconds };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let started = false;
  let stopping = false;
  let again = false;

  const runPending = async (): Promise<RunResult[]> => {
    const results: RunResult[] = [];
    while (!stopping) {
      const job = await runner.store.claim(lease, runner.now());
      if (!job) break;
      results.push(
        job.attempts > options.maxAttempts
          ? await failExport(job, lease, runner, `The export was interrupted ${job.attempts - 1} times and was given up; request it again`)
          : await runExport(job, lease, { ...runner, stopped: () => stopping }),
      );
    }
    await runner.store.purgeExpired(runner.now());
    return results;
  };

  const tick = () => {
    timer = undefined;
    if (stopping) return;
    if (running) {
      again = true;
      return;
    }
    running = runPending()
      .catch(options.onError)
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          tick();
        } else schedule();
      });
  };
  const schedule = () => {
    if (started && !stopping && !timer) {
      timer = setTimeout(tick, options.pollIntervalMs);
      timer.unref();
    }
  };

  return {
    runPending,
    wake() {
      if (!started || stopping) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      tick();
    },
    start() {
      started = true;
      schedule();
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
