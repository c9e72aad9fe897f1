/**
 * The instant range a FHIR date/dateTime/instant covers, by its precision (FHIR R4
 * search.html#date): `2020` is all of 2020, `2020-03-04T10:15` a minute. Half-open [low, high).
 * Values without a time zone are taken as UTC. `high` may be `infinity` (PostgreSQL's spelling).
 */
export interface InstantRange {
  low: string;
  high: string;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function dateRange(value: string): InstantRange | undefined {
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12) return undefined;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return undefined;
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  }
  const start = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000);
  // Date.UTC maps years 0-99 to 1900+; set the year explicitly.
  if (year < 100) start.setUTCFullYear(start.getUTCFullYear() - 1900);
  const end = new Date(start.getTime());
  if (mo === undefined) end.setUTCFullYear(end.getUTCFullYear() + 1);
  else if (d === undefined) end.setUTCMonth(end.getUTCMonth() + 1);
  else if (h === undefined) end.setUTCDate(end.getUTCDate() + 1);
  else if (s === undefined) end.setUTCMinutes(end.getUTCMinutes() + 1);
  else if (frac === undefined) end.setUTCSeconds(end.getUTCSeconds() + 1);
  else end.setUTCMilliseconds(end.getUTCMilliseconds() + 1);
  if (start.getUTCFullYear() < 1 || start.getUTCFullYear() > 9999) return undefined;
  // 9999-12-31 ("no end") ends past what an ISO instant spells: open-ended.
  return { low: start.toISOString(), high: end.getUTCFullYear() > 9999 ? 'infinity' : end.toISOString() };
}
