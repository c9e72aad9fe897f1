import { DatabaseBusy } from '../fhir/storage-fault.ts';

/**
 * Admission to one pool: at most `size` units of work (a statement, a transaction, a COPY) at once,
 * the others waiting in order of arrival. Request work is refused at once (DatabaseBusy) when
 * `maxQueue` units already wait, so a flood answers 503 quickly instead of every request waiting
 * longer and longer; background work (the export worker, planner statistics) always waits its turn.
 */
export interface Admission {
  /** Runs fn once admitted; rejects at once with DatabaseBusy when the queue is full. */
  request<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs fn once admitted, however long the queue. */
  background<T>(fn: () => Promise<T>): Promise<T>;
  /** Takes a place for work whose end is not one promise (a stream); call the returned function when done. */
  acquire(mode: 'request' | 'background'): Promise<() => void>;
  /** True while request work would be refused at once. */
  overloaded(): boolean;
}

export function createAdmission(size: number, maxQueue: number | undefined, name: string): Admission {
  let active = 0;
  const waiting: (() => void)[] = [];
  const overloaded = () => active >= size && maxQueue !== undefined && waiting.length >= maxQueue;

  // A place given up goes straight to the next in line (no overtaking), else back to the pool.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const once = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };

  async function acquire(mode: 'request' | 'background'): Promise<() => void> {
    if (active < size) {
      active++;
      return once();
    }
    if (mode === 'request' && overloaded()) {
      throw new DatabaseBusy(`The ${name} database pool is saturated: ${active} units of work running and ${waiting.length} waiting`);
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
    return once();
  }

  const run = (mode: 'request' | 'background') => async <T>(fn: () => Promise<T>): Promise<T> => {
    const done = await acquire(mode);
    try {
      return await fn();
    } finally {
      done();
    }
  };

  return { request: run('request'), background: run('background'), acquire, overloaded };
}
