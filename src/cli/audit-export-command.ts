import { open } from 'node:fs/promises';
import { readAuditEvents, type AuditWindow } from '../storage/audit/audit-read.ts';
import type { CliIo } from './cli-io.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';

/** Where NDJSON goes: each page's text written whole before the next page is read. */
interface Sink {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * `portico audit export`: the window's events as NDJSON (the stored AuditEvent resource, with its id and recorded,
 * one per line), read and written a page at a time; `exported N events` on stderr. FILE is created or truncated.
 */
export async function exportAuditEvents(io: CliIo, window: AuditWindow, out: string | undefined): Promise<number> {
  const config = loadCommandConfig(io.env);
  const sink = out === undefined ? stdoutSink(io.stdout) : await fileSink(out);
  let count = 0;
  try {
    const db = await openCommandDatabase(config);
    try {
      for await (const page of readAuditEvents(db, window)) {
        await sink.write(page.map((event) => `${JSON.stringify(event.resource)}\n`).join(''));
        count += page.length;
      }
    } finally {
      await db.close();
    }
  } finally {
    await sink.close();
  }
  io.stderr.write(`exported ${count} event${count === 1 ? '' : 's'}${out === undefined ? '' : ` to ${out}`}\n`);
  return 0;
}

async function fileSink(path: string): Promise<Sink> {
  const file = await open(path, 'w');
  return {
    async write(text) {
      await file.write(text);
    },
    close: () => file.close(),
  };
}

/** Standard output; a pipe that is full (write returned false) is let drain first, so pages never pile up in memory. */
function stdoutSink(stdout: CliIo['stdout']): Sink {
  const stream = stdout as CliIo['stdout'] & { once?: (event: 'drain' | 'close', listener: () => void) => unknown };
  return {
    async write(text) {
      if (stream.write(text) === false && typeof stream.once === 'function') {
        // A reader that went away closes the stream rather than drain it.
        await new Promise<void>((resolve) => {
          stream.once?.('drain', resolve);
          stream.once?.('close', resolve);
        });
      }
    },
    close: async () => {},
  };
}
