import type { SeedProgress } from '../sandbox/fhir/seed-population.ts';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Seed progress on stderr: a bar redrawn in place (`\r`) on a terminal, and plain lines at
 * most every 10% or 15 s otherwise (logs, CI), so a redirected stream stays readable.
 */
export function createProgressBar(stream: ProgressStream, now: () => number = Date.now) {
  const started = now();
  let lastDraw = 0;
  let lastPercent = -1;
  let drawn = false;

  const describe = (p: SeedProgress) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = Math.round(p.resourcesWritten / seconds);
    return `${p.patientsDone}/${p.patientsTotal} patients, ${p.resourcesWritten} resources written (${rate}/s)`;
  };

  return {
    update(p: SeedProgress): void {
      const fraction = p.patientsTotal === 0 ? 1 : p.patientsDone / p.patientsTotal;
      const percent = Math.floor(fraction * 100);
      const t = now();
      if (stream.isTTY) {
        if (t - lastDraw < 100 && percent < 100) return;
        const width = 30;
        const full = Math.round(fraction * width);
        stream.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(percent).padStart(3)}% ${describe(p)}\x1b[K`);
        drawn = true;
      } else {
        if (percent < 100 && Math.floor(percent / 10) === Math.floor(lastPercent / 10) && t - lastDraw < 15_000) return;
        stream.write(`seed: ${percent}% ${describe(p)}\n`);
        lastPercent = percent;
      }
      lastDraw = t;
    },
    finish(): void {
      if (stream.isTTY && drawn) stream.write('\n');
    },
  };
}
