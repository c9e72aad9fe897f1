/**
 * Group commit: single-row writes that arrive while earlier ones are being written wait and go
 * together, as the rows of one statement (one round trip, one commit, one WAL flush). A write
 * arriving when fewer than `maxInFlight` statements are running goes at once, so an idle server adds
 * no delay; under load each statement carries everything that queued during the previous one.
 *
 * `run` gets the batch's items and answers one result per item, in the same order. When it throws,
 * every item of the batch fails with that error (a batch is one statement: all or nothing).
 */
export interface GroupCommitOptions<I> {
  /** Statements of this writer running at once (each holds a pool connection while it runs). */
  maxInFlight: number;
  /** Items per statement at most. */
  maxBatch: number;
  /**
   * Items sharing a key never share a statement (a row an INSERT … ON CONFLICT DO UPDATE may touch
   * only once per statement): a later one waits for the next.
   */
  keys?: (item: I) => readonly string[];
}

interface Pending<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit<I, O>(run: (items: I[]) => Promise<O[]>, options: GroupCommitOptions<I>): (item: I) => Promise<O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;

  const takeBatch = (): Pending<I, O>[] => {
    if (!options.keys && queue.length <= options.maxBatch) {
      const all = queue;
      queue = [];
      return all;
    }
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const keys = new Set<string>();
    for (const p of queue) {
      const own = options.keys?.(p.item) ?? [];
      if (batch.length >= options.maxBatch || own.some((k) => keys.has(k))) rest.push(p);
      else {
        batch.push(p);
        for (const k of own) keys.add(k);
      }
    }
    queue = rest;
    return batch;
  };

  const flush = (): void => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      inFlight++;
      void write(batch);
    }
  };

  const write = async (batch: Pending<I, O>[]): Promise<void> => {
    try {
      const results = await run(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`a group commit answered ${results.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      inFlight--;
      flush();
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      flush();
    });
}
