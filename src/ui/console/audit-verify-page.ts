import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** What the walk of the chains found, as `portico audit verify` says it. */
export interface AuditVerifyView {
  intact: boolean;
  events: number;
  chains: number;
  /** The first broken link, when not intact. */
  broken?: { chain: string; seq: number; reason: string };
  /** What was walked: "every tenant" or "tenant north". */
  scope: string;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The outcome of "Verify chain": intact, or the chain and seq of the first broken link. */
export function renderAuditVerifyPage(frame: ConsoleFrame, result: AuditVerifyView): string {
  const checked = `${plural(result.events, 'event')} in ${plural(result.chains, 'chain')}`;
  const body = result.intact
    ? html`<p class="success" role="status">Audit trail intact: ${checked} verified (${result.scope}).</p>`
    : html`<div class="error" role="alert"><p>Audit trail broken: chain <code>${result.broken?.chain ?? ''}</code> seq ${result.broken?.seq ?? 0}: ${result.broken?.reason ?? ''}.</p>
<p>${checked} verified before it (${result.scope}). Events from this one on cannot be trusted: compare with a backup or an export, and find out who could write to the database.</p></div>`;
  return consoleLayout('Audit chain verification', html`<h1>Audit chain verification</h1>
${body}
<p><a href="${pagePath(frame.site, CONSOLE_PATHS.audit)}">Back to the audit log</a></p>`, frame);
}
