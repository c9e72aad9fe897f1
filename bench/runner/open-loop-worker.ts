import { parentPort, workerData } from 'node:worker_threads';
import type { OpenLoopFigures, OpenLoopPlan } from './open-loop.ts';

/** The worker side of startOpenLoop: sends on a schedule, times each request from when it was due. */
const { plan, bodies: initial } = workerData as { plan: OpenLoopPlan; bodies: string[] };
const bodies = [...initial];
parentPort!.on('message', (more: string[]) => bodies.push(...more));

const latencies: number[] = [];
const figures: Omit<OpenLoopFigures, 'p50' | 'p99' | 'max'> = { sent: 0, ok: 0, shed: 0, failed: 0, examples: [] };
const fail = (what: string) => {
  figures.failed++;
  if (figures.examples.length < 5) figures.examples.push(what);
};

async function send(due: number): Promise<void> {
  figures.sent++;
  const body = bodies.shift();
  try {
    const res = await fetch(plan.url, { method: plan.method, headers: plan.headers, ...(body !== undefined && plan.method === 'POST' ? { body } : {}) });
    const text = await res.text();
    latencies.push(performance.now() - due);
    if (res.ok) figures.ok++;
    else if ((res.status === 429 || res.status === 503) && res.headers.has('retry-after')) figures.shed++;
    else fail(`${res.status} ${text.slice(0, 160)}`);
  } catch (err) {
    latencies.push(performance.now() - due);
    fail(String(err));
  }
}

async function run(): Promise<void> {
  const interval = 1000 / plan.rate;
  const started = performance.now();
  const total = Math.floor(plan.rate * plan.seconds);
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(send(due));
  }
  await Promise.all(inflight);
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  parentPort!.postMessage({ ...figures, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 } satisfies OpenLoopFigures);
}

void run();
