/**
 * Every date in the sandbox population is an offset from this fixed epoch, never the wall clock,
 * so two generations are byte-for-byte equal whatever day they run.
 */
export const SANDBOX_EPOCH = Date.UTC(2025, 0, 1, 0, 0, 0);

const DAY_MS = 86_400_000;

/** FHIR dateTime/instant (seconds, UTC) `days` before the epoch at `hour`:`minute`. */
export function dateTimeBefore(days: number, hour = 9, minute = 0): string {
  const d = new Date(SANDBOX_EPOCH - days * DAY_MS);
  d.setUTCHours(hour, minute, 0, 0);
  return d.toISOString().replace('.000Z', 'Z');
}

/** FHIR date (YYYY-MM-DD) `days` before the epoch. */
export function dateBefore(days: number): string {
  return new Date(SANDBOX_EPOCH - days * DAY_MS).toISOString().slice(0, 10);
}

/** Adds minutes to a FHIR dateTime produced by dateTimeBefore. */
export function plusMinutes(dateTime: string, minutes: number): string {
  return new Date(Date.parse(dateTime) + minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

/** Adds days to a FHIR date. */
export function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days between the epoch and a FHIR date (positive for past dates). */
export function daysAgo(date: string): number {
  return Math.round((SANDBOX_EPOCH - Date.parse(`${date}T00:00:00Z`)) / DAY_MS);
}
