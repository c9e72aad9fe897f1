import { html, type SafeHtml } from './html.ts';
import { utcMinute } from './readable-time.ts';

/** One request an app made about the user's record, as the page lists it. */
export interface AppsPageRequest {
  recorded: Date;
  /** The request's subtype code (`read`, `search-type`, `export-file`, …). */
  interaction: string;
  resourceType?: string;
  /** Only ever the user's own data's ids: the caller leaves out another patient's. */
  resourceId?: string;
  allowed: boolean;
}

/** What one app did with the user's record within the page's window. */
export interface AppsPageActivity {
  clientId: string;
  clientName: string;
  lastAccess: Date;
  /** Successful reads per UTC day (`YYYY-MM-DD`) and resource type, newest day first. */
  reads: readonly { day: string; resourceType: string; count: number }[];
  /** Newest first. */
  requests: readonly AppsPageRequest[];
}

/** What the page says an interaction was (FHIR R4 restful-interaction codes; Portico's Bulk Data subtypes). */
const VERBS: Record<string, string> = {
  read: 'Read',
  vread: 'Read a version of',
  'search-type': 'Searched',
  'search-system': 'Searched',
  'history-instance': 'Read the history of',
  'history-type': 'Read the history of',
  'history-system': 'Read the history of',
  create: 'Created',
  update: 'Updated',
  patch: 'Updated',
  delete: 'Deleted',
  batch: 'Sent a batch',
  transaction: 'Sent a transaction',
  capabilities: 'Read the server’s capabilities',
  operation: 'Ran an operation on',
  'export-status': 'Checked a bulk export',
  'export-file': 'Downloaded a bulk export file',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-12-07` as `7 Dec` (the window is a fortnight: the year says nothing). */
function shortDay(day: string): string {
  const [, month, date] = day.split('-');
  return `${Number(date)} ${MONTHS[Number(month) - 1] ?? month}`;
}

/** `Read Observation/abc`, `Searched Observation`, `Read a version of Patient/p1`. */
export function requestText(request: AppsPageRequest): string {
  const verb = VERBS[request.interaction] ?? request.interaction;
  const target = request.resourceType ? `${request.resourceType}${request.resourceId ? `/${request.resourceId}` : ''}` : '';
  return target ? `${verb} ${target}` : verb;
}

/** Reads grouped per day: `7 Dec: Observation 12, Condition 3`. */
function readsPerDay(reads: AppsPageActivity['reads']): { day: string; counts: string }[] {
  const days = new Map<string, string[]>();
  for (const r of reads) days.set(r.day, [...(days.get(r.day) ?? []), `${r.resourceType} ${r.count}`]);
  return [...days].map(([day, counts]) => ({ day, counts: counts.join(', ') }));
}

/**
 * An app's activity: when it last accessed the record (always visible), and in a disclosure what it read per day
 * and its latest requests, each allowed or refused (never why: that is for administrators).
 */
export function activityBlock(activity: AppsPageActivity | undefined, days: number, appName: string): SafeHtml {
  if (!activity) return html`<p class="activity-none muted">No access to your record in the last ${days} days.</p>
`;
  const perDay = readsPerDay(activity.reads);
  return html`<p class="last-access">Last accessed your record on <time datetime="${activity.lastAccess.toISOString()}">${utcMinute(activity.lastAccess)}</time>.</p>
<details class="activity">
<summary>What ${appName} did in the last ${days} days</summary>
<h3>Read per day</h3>
${
  perDay.length === 0
    ? html`<p>Nothing read.</p>`
    : html`<ul class="reads-per-day">
${perDay.map((d) => html`<li><time datetime="${d.day}">${shortDay(d.day)}</time>: ${d.counts}</li>
`)}</ul>`
}
<h3>Latest ${activity.requests.length === 1 ? 'request' : `${activity.requests.length} requests`}</h3>
<ol class="requests">
${activity.requests.map(
  (r) => html`<li><time datetime="${r.recorded.toISOString()}">${utcMinute(r.recorded)}</time> ${requestText(r)} <span class="${r.allowed ? 'outcome allowed' : 'outcome refused'}">${r.allowed ? 'allowed' : 'refused'}</span></li>
`,
)}</ol>
</details>
`;
}
