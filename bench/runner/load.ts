import autocannon, { type Options, type Request, type Result } from 'autocannon';

/** One measured load: autocannon's own figures, reduced to what the report shows. */
export interface RunFigures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  seconds: number;
}

export interface Measurement extends RunFigures {
  runs: RunFigures[];
}

export interface LoadPlan {
  url: string;
  connections: number;
  /** Seconds per run; or a request count per run (`amount`) when each request consumes a fixture. */
  duration?: number;
  amount?: (run: number, lastRate: number | undefined) => Promise<number>;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request setup (path, body, headers), and what to do with each response. */
  requests?: Request[];
  /** Called before each run (warm-up included), e.g. to mint the fixtures it consumes. */
  prepare?: (run: number) => Promise<void>;
}

function figures(result: Result): RunFigures {
  const seconds = result.duration;
  const errors = result.errors + result.timeouts + result.non2xx;
  if (errors > 0) {
    // Which errors: connection errors, timeouts, and the non-2xx answers by status.
    const statuses = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2'));
    process.stderr.write(`bench:     ${errors} errors: ${result.errors} connection, ${result.timeouts} timeouts${statuses.map(([code, s]) => `, ${s.count} × ${code}`).join('')}\n`);
  }
  return {
    requestsPerSecond: result.requests.total / Math.max(seconds, 0.001),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors,
    requests: result.requests.total,
    seconds,
  };
}

async function once(plan: LoadPlan, options: { duration?: number; amount?: number }): Promise<Result> {
  const opts: Options = {
    url: plan.url,
    connections: plan.connections,
    pipelining: 1,
    // autocannon notices the end of a run on its sample tick (1 s by default): a run of `amount`
    // requests would be timed to the next whole second. Ticks every 10 ms keep its duration true.
    ...(options.amount !== undefined ? { amount: options.amount, sampleInt: 10 } : { duration: options.duration ?? 5 }),
    ...(plan.method ? { method: plan.method } : {}),
    ...(plan.headers ? { headers: plan.headers } : {}),
    ...(plan.body !== undefined ? { body: plan.body } : {}),
    ...(plan.requests ? { requests: plan.requests } : {}),
  };
  return autocannon(opts);
}

/** One unmeasured load of exactly `amount` requests (the memory check's traffic). */
export async function runAmount(plan: LoadPlan, amount: number): Promise<RunFigures> {
  return figures(await once(plan, { amount }));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface RunProbe {
  before(): Promise<void>;
  after(): Promise<void>;
}

/**
 * A warm-up run (not counted), then `runs` measured runs; the figures are the medians of the runs
 * (errors are the sum). Load comes from this process, the server is another: they share only loopback.
 */
export async function measure(
  plan: LoadPlan,
  settings: { runs: number; warmup: number; duration: number },
  /** Called around each measured run (not the warm-up), e.g. to read the server's counters. */
  probe?: RunProbe,
): Promise<Measurement> {
  const [only] = await measureSideBySide([{ plan, ...(probe ? { probe } : {}) }], settings);
  return only!;
}

/**
 * Several loads measured side by side: each warmed up, then their runs taken in turn (A B A B …), so
 * that a machine whose speed drifts (other work on a shared host) slows Portico and its reference alike
 * and their ratio stays meaningful. One result per load, in order.
 */
export async function measureSideBySide(
  loads: { plan: LoadPlan; probe?: RunProbe }[],
  settings: { runs: number; warmup: number; duration: number },
): Promise<Measurement[]> {
  const lastRate: (number | undefined)[] = [];
  for (const { plan } of loads) {
    await plan.prepare?.(0);
    const warm = figures(plan.amount ? await once(plan, { amount: await plan.amount(0, undefined) }) : await once(plan, { duration: settings.warmup }));
    lastRate.push(warm.requestsPerSecond);
  }
  const runs: RunFigures[][] = loads.map(() => []);
  for (let run = 1; run <= settings.runs; run++) {
    for (const [i, { plan, probe }] of loads.entries()) {
      await plan.prepare?.(run);
      const amount = plan.amount ? await plan.amount(run, lastRate[i]) : undefined;
      await probe?.before();
      const result = amount !== undefined ? await once(plan, { amount }) : await once(plan, { duration: plan.duration ?? settings.duration });
      await probe?.after();
      const measured = figures(result);
      runs[i]!.push(measured);
      lastRate[i] = measured.requestsPerSecond;
    }
  }
  return runs.map(summarize);
}

/** Runs as one measurement: the medians of their rates and latencies, their errors, requests and seconds summed. */
export function summarize(runs: RunFigures[]): Measurement {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    seconds: runs.reduce((sum, r) => sum + r.seconds, 0),
    runs,
  };
}
