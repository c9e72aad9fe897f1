import { readFile, readdir } from 'node:fs/promises';

/**
 * The server's resident memory in bytes: its process and every process under it (a database server it
 * started as a child, with that server's own children, counts as the server's), read from /proc. Where
 * there is no /proc, `fallback` (the server's own process.memoryUsage().rss).
 */
export async function serverMemory(pid: number, fallback: () => Promise<number>): Promise<{ bytes: number; processes: number }> {
  try {
    const pids = await descendants(pid);
    let bytes = 0;
    for (const p of pids) bytes += await rssOf(p);
    if (bytes === 0) throw new Error('no /proc');
    return { bytes, processes: pids.length };
  } catch {
    return { bytes: await fallback(), processes: 1 };
  }
}

async function descendants(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const tasks = await readdir(`/proc/${out[i]}/task`).catch(() => [] as string[]);
    for (const task of tasks) {
      const children = await readFile(`/proc/${out[i]}/task/${task}/children`, 'utf8').catch(() => '');
      for (const child of children.split(' ').filter((c) => c.trim() !== '')) out.push(Number(child));
    }
  }
  return out;
}

/** VmRSS of one process (0 once it has gone). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}
