/** `2026-11-23 22:08 UTC`: the same for every reader, whatever their time zone. */
export function utcMinute(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A FHIR `dateTime` as people read it: with a time (FHIR R4 §2.24.0.1 requires a zone then), to the minute in UTC;
 * a date, year-month or year as written.
 */
export function readableDateTime(value: string): string {
  if (!value.includes('T')) return value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : utcMinute(date);
}
