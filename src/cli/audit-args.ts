import { UsageError } from './cli-io.ts';

/** What an `audit` subcommand's flags may be: a value (text or an ISO 8601 date) or a switch. */
type FlagKind = 'text' | 'date' | 'switch';

export type ParsedFlags<S extends Record<string, FlagKind>> = {
  [K in keyof S]?: S[K] extends 'date' ? Date : S[K] extends 'switch' ? true : string;
};

// Date-only or a full ISO 8601 date-time with its offset: nothing Date.parse would guess at.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses `--flag value` and `--switch` arguments of `portico audit <command>`: each flag at most once, dates ISO 8601.
 * Anything else is a UsageError naming it, followed by `usage`.
 */
export function parseFlags<S extends Record<string, FlagKind>>(command: string, args: readonly string[], spec: S, usage: string): ParsedFlags<S> {
  const parsed: Record<string, string | Date | true> = {};
  const refuse = (problem: string): never => {
    throw new UsageError(`audit ${command}: ${problem}\n${usage}`);
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] ?? '';
    const kind = Object.hasOwn(spec, flag) ? spec[flag] : undefined;
    if (kind === undefined) refuse(`unexpected ${JSON.stringify(flag)}`);
    if (Object.hasOwn(parsed, flag)) refuse(`${flag} given twice`);
    if (kind === 'switch') {
      parsed[flag] = true;
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) refuse(`unexpected ${JSON.stringify(flag)} without a value`);
    i++;
    if (kind === 'date') {
      const date = new Date(value ?? '');
      if (!ISO_DATE.test(value ?? '') || Number.isNaN(date.getTime())) refuse(`${flag} ${JSON.stringify(value)} is not an ISO 8601 date`);
      parsed[flag] = date;
    } else {
      parsed[flag] = value ?? '';
    }
  }
  return parsed as ParsedFlags<S>;
}
