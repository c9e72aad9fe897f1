/**
 * The worker thread that owns PGlite (src/storage/drivers/pglite-worker.ts starts it): it runs the
 * statements the main thread sends, so that their CPU time is spent on this thread's core and never
 * blocks the main thread's event loop. PGlite's own queue keeps the order and runs one unit at a time:
 * statements outside a transaction wait for the open transaction to end, as in the main thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Transaction } from '@electric-sql/pglite';
import { createPgliteInstance } from './pglite-instance.ts';
import { READY_ID, toThreadError, type ThreadReply, type ThreadRequest, type ThreadStart } from './pglite-thread-protocol.ts';

if (!parentPort) throw new Error('pglite-thread.ts runs as a worker thread');
const port: MessagePort = parentPort;
const reply = (message: ThreadReply) => port.postMessage(message);
const fail = (id: number, err: unknown) => reply({ id, ok: false, error: toThreadError(err) });

/** Tells PGlite's transaction callback to return (commit) or throw (roll back). */
const ROLLBACK = Symbol('rollback');
interface OpenTransaction {
  tx: Transaction;
  end(commit: boolean): void;
  /** Settles once PGlite has committed or rolled back. */
  ended: Promise<unknown>;
}
const transactions = new Map<number, OpenTransaction>();

const { dataDir } = workerData as ThreadStart;
const pglite = await createPgliteInstance(dataDir).catch((err: unknown) => {
  fail(READY_ID, err);
  throw err;
});

function begin(id: number) {
  let began = false;
  const ended = pglite.transaction(
    (tx) =>
      new Promise((resolve, reject) => {
        began = true;
        transactions.set(id, { tx, end: (commit) => (commit ? resolve(undefined) : reject(ROLLBACK)), ended });
        reply({ id, ok: true });
      }),
  );
  // BEGIN itself failed: the callback never ran and no transaction is open.
  ended.catch((err: unknown) => {
    if (!began) fail(id, err);
  });
}

async function end(id: number, txId: number, commit: boolean) {
  const open = transactions.get(txId);
  if (!open) return fail(id, new Error(`No open transaction ${txId}`));
  transactions.delete(txId);
  open.end(commit);
  try {
    await open.ended;
    reply({ id, ok: true });
  } catch (err) {
    if (err === ROLLBACK) reply({ id, ok: true });
    else fail(id, err);
  }
}

async function handle(message: ThreadRequest) {
  switch (message.op) {
    case 'query': {
      const target = message.tx === undefined ? pglite : transactions.get(message.tx)?.tx;
      if (!target) return fail(message.id, new Error(`No open transaction ${message.tx}`));
      try {
        const res = await target.query(message.text, message.params as unknown[] | undefined);
        return reply({ id: message.id, ok: true, rows: res.rows });
      } catch (err) {
        return fail(message.id, err);
      }
    }
    case 'begin':
      return begin(message.id);
    case 'commit':
      return end(message.id, message.tx, true);
    case 'rollback':
      return end(message.id, message.tx, false);
    case 'close':
      try {
        await pglite.close();
        reply({ id: message.id, ok: true });
      } catch (err) {
        fail(message.id, err);
      }
      port.close();
      return;
  }
}

port.on('message', (message: ThreadRequest) => void handle(message));
reply({ id: READY_ID, ok: true });
