import type { FhirSettings } from '../interaction.ts';
import { notSupported } from '../outcome.ts';
import type { SearchParam, SearchParameterRegistry } from './registry.ts';

/** What every parser of a search's parameters reads: the registry, the settings, the mode and the clock. */
export interface SearchContext {
  registry: SearchParameterRegistry;
  /** What a search reads of the settings: its base URL and page sizes. */
  settings: Pick<FhirSettings, 'baseUrl' | 'defaultPageSize' | 'maxPageSize' | 'maxIncludes'>;
  /** Clock for the `ap` prefix. */
  now: () => Date;
  isResourceType(type: string): boolean;
  /** An unknown or unsupported parameter: dropped, or a 400 under Prefer: handling=strict. */
  unknown(name: string, why: string): void;
  /** The parameter `code` on every type a search covers, or undefined when any lacks it or two disagree on its type. */
  lookup(onTypes: readonly string[], code: string): SearchParam | undefined;
}

export function searchContext(options: {
  registry: SearchParameterRegistry;
  settings: SearchContext['settings'];
  strict: boolean;
  now?: () => Date;
}): SearchContext {
  const { registry, settings, strict } = options;
  return {
    registry,
    settings,
    now: options.now ?? (() => new Date()),
    isResourceType: (type) => registry.resourceTypes.has(type),
    unknown(name, why) {
      if (strict) throw notSupported(`Unknown or unsupported search parameter '${name}': ${why}`);
    },
    lookup(onTypes, code) {
      let found: SearchParam | undefined;
      for (const t of onTypes) {
        const p = registry.get(t, code);
        if (!p || (found && found.type !== p.type)) return undefined;
        found ??= p;
      }
      return found;
    },
  };
}
