import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { utcMinute } from '../readable-time.ts';
import { outcomeBadge, type AuditRowView } from './audit-page.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** A participant: the user, the app, the server; who, in what role, from where. */
export interface AuditAgentView {
  role: string;
  who: string;
  requestor: boolean;
  address?: string;
}

/** What the event was about: a resource, a query (decoded), a grant, a request id. */
export interface AuditEntityView {
  role: string;
  what: string;
  name?: string;
  description?: string;
  /** A search's query string, decoded from base64. */
  query?: string;
  details: readonly { type: string; value: string }[];
}

export interface AuditEventView extends AuditRowView {
  /** C, R, U, D, E as a word. */
  action?: string;
  agents: readonly AuditAgentView[];
  entities: readonly AuditEntityView[];
  /** The AuditEvent as recorded, pretty-printed. */
  json: string;
}

export interface AuditEventPageModel {
  frame: ConsoleFrame;
  event: AuditEventView;
}

/** One event: when, what, its outcome and the refusal reason, who took part, what it was about, and the raw JSON. */
export function renderAuditEventPage(model: AuditEventPageModel): string {
  const { event, frame } = model;
  const site = frame.site;
  return consoleLayout(
    `Audit event ${event.id}`,
    html`<h1>Audit event</h1>
<p><a href="${pagePath(site, CONSOLE_PATHS.audit)}">Back to the audit log</a></p>
<dl>
<dt>When</dt><dd><time datetime="${event.recorded.toISOString()}">${utcMinute(event.recorded)}</time> <span class="muted">(${event.recorded.toISOString()})</span></dd>
${event.tenant !== undefined ? html`<dt>Tenant</dt><dd>${event.tenant}</dd>` : ''}
<dt>Type</dt><dd>${event.kind}</dd>
<dt>Subtype</dt><dd>${event.what}</dd>
${event.action ? html`<dt>Action</dt><dd>${event.action}</dd>` : ''}
<dt>Outcome</dt><dd>${outcomeBadge(event)}</dd>
${event.reason ? html`<dt>Reason</dt><dd class="audit-reason">${event.reason}</dd>` : ''}
<dt>Id</dt><dd><code>${event.id}</code></dd>
</dl>
<h2>Agents</h2>
${dataTable(
  'Agents',
  ['Role', 'Who', 'Requestor', 'Address'],
  event.agents.map((a) => [a.role, html`<code>${a.who}</code>`, a.requestor ? 'yes' : 'no', a.address ?? '']),
)}
<h2>Entities</h2>
${event.entities.length === 0
  ? html`<p>None.</p>`
  : dataTable(
      'Entities',
      ['Role', 'What', 'Details'],
      event.entities.map((e) => [
        e.role,
        html`<code>${e.what}</code>${e.name ? html`<br>${e.name}` : ''}${e.description ? html`<br><span class="muted">${e.description}</span>` : ''}`,
        html`${e.query !== undefined ? html`Query: <code>${e.query}</code>` : ''}${e.details.map((d) => html`<br>${d.type}: <code>${d.value}</code>`)}`,
      ]),
    )}
<h2>As recorded</h2>
<pre class="json" tabindex="0" aria-label="The AuditEvent as recorded (JSON)">${event.json}</pre>`,
    frame,
  );
}
