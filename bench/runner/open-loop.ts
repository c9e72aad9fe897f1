import { Worker } from 'node:worker_threads';

/**
 * An open-loop load: requests sent at a fixed rate whatever the server's answers, each timed from the
 * moment it was due (not from when it could be sent), so queueing anywhere shows in the latency. It runs in
 * a worker thread of its own, so the closed-loop load this process drives at the same time (autocannon's
 * parsing of large FHIR bundles) does not delay its timer or its clock.
 */
export interface OpenLoopPlan {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** Requests per second. */
  rate: number;
  seconds: number;
}

export interface OpenLoopFigures {
  sent: number;
  ok: number;
  /** 429 or 503 with Retry-After: the server shedding load, as the protocol allows. */
  shed: number;
  /** Anything else: other statuses, refused or dropped connections. */
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** A few of the failures, to say what went wrong. */
  examples: string[];
}

export interface OpenLoop {
  /** Adds request bodies to the queue the worker draws from (one per request; for bodies used once). */
  supply(bodies: string[]): void;
  done: Promise<OpenLoopFigures>;
}

/** Starts the load now; the worker draws one body per request from what `supply` gave it (a body-less GET when none). */
export function startOpenLoop(plan: OpenLoopPlan, bodies: string[]): OpenLoop {
  // tsx's loader is not inherited by worker threads: the worker registers it before loading its TypeScript.
  const entry = JSON.stringify(new URL('./open-loop-worker.ts', import.meta.url).href);
  const worker = new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData: { plan, bodies } });
  const done = new Promise<OpenLoopFigures>((resolve, reject) => {
    worker.once('message', (figures: OpenLoopFigures) => {
      resolve(figures);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the open-loop worker exited (${code}) before reporting`)));
  });
  return { supply: (more) => worker.postMessage(more), done };
}
