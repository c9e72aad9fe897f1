import { describeScope, type RecordReader } from '../../auth/scopes/index.ts';
import type { ConsentPageModel, ConsentScope } from '../../ui/consent-page.ts';
import type { ScopeLine } from '../../ui/scope-line.ts';

/**
 * The scope that keeps access after the app is closed and the user signs out (SMART App Launch 2.2
 * §"Scopes for requesting a refresh token").
 */
const LONG_LIVED_SCOPE = 'offline_access';

/** A scope as the pages list it: the scope string with its plain-language label. */
export function scopeLine(scope: string, reader: RecordReader = 'own'): ScopeLine {
  return { scope, label: describeScope(scope, reader) };
}

/**
 * The consent page's scope list: each requested scope, in request order, with the narrower category scopes
 * offered instead of it (by scope string), and the long-lived notice's label when `offline_access` is asked.
 */
export function consentScopes(
  scopes: readonly string[],
  categories?: Readonly<Record<string, readonly string[]>>,
  reader: RecordReader = 'own',
): Pick<ConsentPageModel, 'scopes' | 'longLivedScopeLabel'> {
  const line = (scope: string) => scopeLine(scope, reader);
  const lines = scopes.map((scope): ConsentScope => {
    const alternatives = categories?.[scope] ?? [];
    return { ...line(scope), ...(alternatives.length > 0 ? { categories: alternatives.map(line) } : {}) };
  });
  return { scopes: lines, ...(scopes.includes(LONG_LIVED_SCOPE) ? { longLivedScopeLabel: describeScope(LONG_LIVED_SCOPE) } : {}) };
}
