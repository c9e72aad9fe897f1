import cluster, { type Worker } from 'node:cluster';

/** A crashed worker is restarted after this long, doubled for each crash in a row, up to RESTART_MAX_MS. */
const RESTART_INITIAL_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before it died ends a run of crashes: its successor starts after RESTART_INITIAL_MS again. */
const STABLE_MS = 60_000;

/** What a worker sends its primary once it listens. */
export const WORKER_READY = 'portico:ready';

export interface WorkerCluster {
  /** Resolves once every worker of the first generation listens; rejects if one dies before it does. */
  ready: Promise<void>;
  /** Stops every worker (SIGTERM: each finishes its in-flight requests) and resolves once all have exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * The primary of WORKERS > 1: forks `count` copies of this program, which share the listening port (node:cluster
 * hands each accepted connection to one of them in turn), and restarts any that dies with a backoff, so a worker that
 * crashes on start does not spin. The primary serves nothing and opens no database connection of its own while they run.
 */
export function startWorkerCluster(count: number, env: Record<string, string>, log: (line: string) => void): WorkerCluster {
  let stopping = false;
  let crashesInRow = 0;
  const started = new Map<number, number>();

  let firstReady = 0;
  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let allReady = false;

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    started.set(worker.id, Date.now());
    worker.on('message', (message: unknown) => {
      if (message !== WORKER_READY || allReady) return;
      if (++firstReady === count) {
        allReady = true;
        resolveReady();
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? Date.now());
    started.delete(worker.id);
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (!allReady) {
      // A worker that cannot start once will not start the second time either: the start fails.
      rejectReady(new Error(`worker ${worker.process.pid} exited (${how}) before it was listening`));
      return;
    }
    crashesInRow = lived >= STABLE_MS ? 1 : crashesInRow + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** (crashesInRow - 1));
    log(`worker ${worker.process.pid} exited (${how}); starting another in ${delay} ms`);
    setTimeout(() => {
      if (!stopping) fork();
    }, delay).unref();
  });

  for (let i = 0; i < count; i++) fork();

  return {
    ready,
    stop(signal) {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      return new Promise<void>((resolve) => {
        let left = workers.length;
        if (left === 0) return resolve();
        for (const worker of workers) {
          worker.once('exit', () => {
            if (--left === 0) resolve();
          });
          worker.process.kill(signal);
        }
      });
    },
  };
}

/** True in a process forked by startWorkerCluster. */
export const isClusterWorker = (): boolean => cluster.isWorker;

/** Tells the primary this worker listens (no-op outside a cluster). */
export function reportWorkerReady(): void {
  if (cluster.isWorker) process.send?.(WORKER_READY);
}
