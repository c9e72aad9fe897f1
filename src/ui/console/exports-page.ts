import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';
import { consoleTime } from './console-time.ts';

/** One file of an export's output. */
export interface ExportFileView {
  kind: 'output' | 'deleted' | 'error';
  resourceType: string;
  lines: number;
}

/** A Bulk Data export job as the page lists it. */
export interface ExportView {
  id: string;
  clientId: string;
  tenant: string;
  level: string;
  /** `_type`; absent: every type. */
  types?: readonly string[];
  since?: string;
  status: string;
  progress?: string;
  createdAt: Date;
  finishedAt?: Date;
  files: readonly ExportFileView[];
}

export interface ExportsPageModel {
  frame: ConsoleFrame;
  exports: readonly ExportView[];
  window: PageWindow;
  app: string;
  appError?: string;
  showTenant: boolean;
  notice?: string;
}

export const EXPORT_CANCEL_PATH = `${CONSOLE_PATHS.exports}/cancel`;

/** /admin/exports: every client's Bulk Data exports, with their status, progress and files; cancel one. */
export function renderExportsPage(model: ExportsPageModel): string {
  const { frame } = model;
  const site = frame.site;
  const base = pagePath(site, CONSOLE_PATHS.exports);
  const rows = model.exports.map((e) => [
    html`<code class="console-id">${e.id}</code>`,
    html`<code>${e.clientId}</code>`,
    ...(model.showTenant ? [e.tenant] : []),
    html`${e.level}${e.types?.length ? html`<br>types: ${e.types.join(', ')}` : html`<br>every type`}${e.since ? html`<br>since ${e.since}` : ''}`,
    e.status,
    progressOf(e),
    consoleTime(e.createdAt),
    e.finishedAt ? consoleTime(e.finishedAt) : '',
    filesSummary(e.files, e.status === 'queued' || e.status === 'running'),
    html`<form method="post" action="${pagePath(site, EXPORT_CANCEL_PATH)}" class="inline-form"><input type="hidden" name="csrf_token" value="${frame.csrfToken}"><input type="hidden" name="job" value="${e.id}"><button type="submit" class="danger">${e.status === 'queued' || e.status === 'running' ? 'Cancel' : 'Delete'}<span class="visually-hidden"> export ${e.id}</span></button></form>`,
  ]);
  const params = (page: number) => {
    const q = new URLSearchParams();
    if (model.app) q.set('app', model.app);
    if (page > 1) q.set('page', String(page));
    const text = q.toString();
    return text ? `${base}?${text}` : base;
  };
  return consoleLayout(
    'Bulk exports',
    html`<h1>Bulk exports</h1>
${notice(model.notice)}
<form method="get" action="${base}" class="filters" role="search" aria-label="Filter exports">
<div><label for="app">App (client id)</label>
<input id="app" name="app" type="text" value="${model.app}" autocomplete="off"${invalidAttributes('app', model.appError)}>${fieldError('app', model.appError)}</div>
<div><button type="submit">Filter</button>${model.app ? html` <a href="${base}">Show all</a>` : ''}</div>
</form>
<p>Cancelling does what the app's own DELETE of the status URL does: the job and its files are deleted, and the status URL answers 404.</p>
${dataTable('Bulk export jobs', ['Job', 'App', ...(model.showTenant ? ['Tenant'] : []), 'Request', 'Status', 'Progress', 'Created', 'Finished', 'Files', 'Action'], rows)}
${pager(model.window, params, 'Export pages')}`,
    frame,
  );
}

/** What a job is doing: its worker's last word while it runs; a finished job's is history. */
function progressOf(e: ExportView): string {
  if (e.status === 'queued') return 'waiting for a worker';
  if (e.status === 'running') return e.progress ?? 'running';
  return 'finished';
}

/** "2 files, 52 lines" and each file's type and lines. */
function filesSummary(files: readonly ExportFileView[], unfinished: boolean) {
  if (files.length === 0) return unfinished ? 'none yet' : 'none';
  const lines = files.reduce((sum, f) => sum + f.lines, 0);
  return html`${files.length} ${files.length === 1 ? 'file' : 'files'}, ${lines} ${lines === 1 ? 'line' : 'lines'}<ul class="export-files">${files.map(
    (f) => html`<li>${f.kind === 'output' ? '' : `${f.kind}: `}${f.resourceType} (${f.lines})</li>`,
  )}</ul>`;
}
