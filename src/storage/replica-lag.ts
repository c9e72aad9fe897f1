import type { Database } from './database.ts';

const POLL_MS = 50;

/**
 * Waits until `replica` has replayed everything `primary` had written when this was called, or `maxWaitMs` has
 * passed. Resolves true once caught up (or when `replica` is no standby: it then has everything), false when the
 * wait ran out. A reader that must see every change up to a point in time (a Bulk Data export's transactionTime)
 * waits here before reading on the replica.
 */
export async function replicaCaughtUp(primary: Database, replica: Database, maxWaitMs: number): Promise<boolean> {
  const [current] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    // NULL replay position: not a standby (recovery over, or pointed at a primary), so nothing is missing.
    const [state] = await replica.query<{ done: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [current?.lsn]);
    if (state?.done !== false) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
