import { readdirSync, readFileSync } from 'node:fs';

/** Proportional set sizes, bytes: this process, and its descendant postgres processes (the embedded server and its backends). */
export interface TreeMemory {
  nodePssBytes: number;
  databasePssBytes: number;
  databaseProcesses: number;
}

/**
 * PSS rather than RSS: PostgreSQL's processes share its buffers, and RSS would count those once per backend.
 * Linux only (/proc/<pid>/smaps_rollup); undefined elsewhere. An external PostgreSQL is no descendant: not counted.
 */
export function processTreeMemory(root: number = process.pid): TreeMemory | undefined {
  if (process.platform !== 'linux') return undefined;
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat, after the parenthesised command name (which may hold spaces).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const descendants: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        descendants.push(pid);
        queue.push(pid);
      }
    }
  }
  // The server and its backends, not other children (tsx's esbuild service, the watchdog shell).
  const database = descendants.filter((pid) => command(pid) === 'postgres');
  return {
    nodePssBytes: pss(root),
    databasePssBytes: database.reduce((sum, pid) => sum + pss(pid), 0),
    databaseProcesses: database.length,
  };
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function pss(pid: number): number {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}
