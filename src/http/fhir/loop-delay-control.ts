import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ConcurrencyGate } from './concurrency-gate.ts';

/**
 * Sets the FHIR gate's limit from how late the event loop runs. Every request in the process, the token
 * endpoint's included, waits that long between two of its steps; a token request takes several, so a loop
 * running 20 ms late makes it wait a multiple of that behind FHIR work. So: when the loop's delay (its 99th
 * percentile over the last interval) passes `targetMs`, the limit halves (down to 1); while it stays under
 * half of that and every place is taken, the limit grows by one (up to `ceiling`). Requests already running
 * finish; only new ones wait. Additive increase, multiplicative decrease, as TCP's congestion control.
 */
export interface LoopDelayControl {
  stop(): void;
}

export interface LoopDelayOptions {
  /** FHIR_MAX_CONCURRENT: the limit never goes above it. */
  ceiling: number;
  targetMs: number;
  intervalMs?: number;
}

/** The decision alone, for one interval: the next limit. */
export function nextLimit(current: number, options: { ceiling: number; targetMs: number; delayMs: number; saturated: boolean }): number {
  if (options.delayMs > options.targetMs) return Math.max(1, Math.floor(current / 2));
  if (options.delayMs <= options.targetMs / 2 && options.saturated) return Math.min(options.ceiling, current + 1);
  return current;
}

const RESOLUTION_MS = 5;

export function controlByLoopDelay(gate: ConcurrencyGate, options: LoopDelayOptions): LoopDelayControl {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const timer = setInterval(() => {
    // The histogram's samples include its own resolution: what is beyond it is the delay.
    const delayMs = histogram.count > 0 ? Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS) : 0;
    histogram.reset();
    const { running, limit } = gate.load();
    const next = nextLimit(limit, { ceiling: options.ceiling, targetMs: options.targetMs, delayMs, saturated: running >= limit });
    if (next !== limit) gate.setLimit(next);
  }, options.intervalMs ?? 100);
  // Never what keeps the process alive.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
