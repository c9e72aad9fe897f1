/**
 * How many FHIR requests are worked on at once. Each one in flight costs the event loop (parsing, access
 * decisions, search assembly, serialising the Bundle) and, on the embedded database, the database's one
 * thread: past a handful they only make every other request wait longer, the token endpoint's included.
 * So at most `limit` run; up to `maxQueue` more wait in order of arrival, costing nothing but a promise;
 * beyond that a request is refused at once (the caller answers 503 with Retry-After) rather than queued
 * for seconds.
 */
export interface ConcurrencyGate {
  /**
   * A place for one request: `ready` resolves once it may run; `leave()` gives the place back (or leaves
   * the queue, rejecting `ready`), and may be called more than once. Undefined when the queue is full.
   */
  enter(): GateEntry | undefined;
  /** Requests running and waiting now, and how many may run at once. */
  load(): { running: number; waiting: number; limit: number };
  /** Changes how many may run at once (at least 1); a rise lets waiting requests in at once. */
  setLimit(limit: number): void;
}

export interface GateEntry {
  ready: Promise<void>;
  leave(): void;
}

/** The request left before its turn came (its client went away). */
export class LeftQueue extends Error {}

/** `limit` 0: no gate (every request runs at once). */
export function createConcurrencyGate(initialLimit: number, maxQueue: number): ConcurrencyGate {
  let limit = initialLimit;
  let running = 0;
  const waiting: { admit(): void; drop(): void }[] = [];

  // A place given back goes to the first in line (no overtaking) unless the limit has come down meanwhile.
  const handOn = () => {
    const next = running <= limit ? waiting.shift() : undefined;
    if (next) next.admit();
    else running--;
  };
  const setLimit = (to: number) => {
    if (limit === 0) return;
    limit = Math.max(1, to);
    for (let next = waiting[0]; next && running < limit; next = waiting[0]) {
      waiting.shift();
      running++;
      next.admit();
    }
  };

  function enter(): GateEntry | undefined {
    if (limit === 0 || running < limit) {
      running += limit === 0 ? 0 : 1;
      let left = false;
      return {
        ready: Promise.resolve(),
        leave: () => {
          if (left || limit === 0) return;
          left = true;
          handOn();
        },
      };
    }
    if (waiting.length >= maxQueue) return undefined;
    let state: 'waiting' | 'running' | 'left' = 'waiting';
    let admit!: () => void;
    let drop!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      admit = resolve;
      drop = reject;
    });
    // Nobody may be left with an unhandled rejection when a queued request's client goes away.
    ready.catch(() => {});
    const place = {
      admit: () => {
        state = 'running';
        admit();
      },
      drop: () => drop(new LeftQueue('The request left the queue before its turn')),
    };
    waiting.push(place);
    return {
      ready,
      leave: () => {
        if (state === 'left') return;
        if (state === 'running') handOn();
        else {
          waiting.splice(waiting.indexOf(place), 1);
          place.drop();
        }
        state = 'left';
      },
    };
  }

  return { enter, setLimit, load: () => ({ running, waiting: waiting.length, limit }) };
}
