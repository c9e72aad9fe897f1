import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';
import { consoleTime } from './console-time.ts';

/** A signing key as the keys page lists it. */
export interface KeyView {
  kid: string;
  alg: string;
  status: 'active' | 'verifying' | 'retired';
  createdAt: Date;
  /** New tokens of its algorithm are signed with it. */
  signs: boolean;
  /** Superseded: when its successor was created. */
  supersededAt?: Date;
  /** Superseded: when it stops verifying by itself (absent: when retired). */
  verifiesUntil?: Date;
}

export interface KeysPageModel {
  frame: ConsoleFrame;
  keys: readonly KeyView[];
  window: PageWindow;
  retireAfterDays: number;
  /** Only the root's console changes keys: they are the deployment's, one JWKS for every tenant. */
  canManage: boolean;
  notice?: { text: string; kind: 'success' | 'error' };
}

export const KEYS_ROTATE_PATH = `${CONSOLE_PATHS.keys}/rotate`;
export const KEYS_RETIRE_PATH = `${CONSOLE_PATHS.keys}/retire`;

/** /admin/keys: which key signs per algorithm, until when superseded keys verify; rotate and retire. */
export function renderKeysPage(model: KeysPageModel): string {
  const { frame } = model;
  const site = frame.site;
  const lifetime =
    model.retireAfterDays > 0
      ? `A superseded key keeps verifying the tokens it signed for ${model.retireAfterDays} ${model.retireAfterDays === 1 ? 'day' : 'days'} after its successor was created, then stops by itself; retire it sooner once they have expired.`
      : 'A superseded key keeps verifying the tokens it signed until it is retired (SIGNING_KEY_RETIRE_AFTER_DAYS is 0).';
  const rows = model.keys.map((k) => [
    html`<code class="console-id">${k.kid}</code>`,
    k.alg,
    k.signs ? html`<strong>signs new tokens</strong>` : k.status,
    consoleTime(k.createdAt),
    verifies(k),
    ...(model.canManage ? [!k.signs && k.status !== 'retired' ? retireForm(pagePath(site, KEYS_RETIRE_PATH), frame.csrfToken, k.kid) : ''] : []),
  ]);
  return consoleLayout(
    'Signing keys',
    html`<h1>Signing keys</h1>
${model.notice ? notice(model.notice.text, model.notice.kind) : ''}
<p>Tokens are signed with the newest key of each algorithm. ${lifetime}</p>
${
  model.canManage
    ? html`<form method="post" action="${pagePath(site, KEYS_ROTATE_PATH)}"><input type="hidden" name="csrf_token" value="${frame.csrfToken}"><button type="submit" class="primary">Rotate keys</button></form>`
    : html`<p>The signing keys are the deployment's, shared by every tenant: a global administrator rotates and retires them.</p>`
}
${dataTable('Signing keys', ['Key id', 'Algorithm', 'Status', 'Created', 'Verifies until', ...(model.canManage ? ['Action'] : [])], rows)}
${pager(model.window, (page) => `${pagePath(site, CONSOLE_PATHS.keys)}?page=${page}`, 'Signing keys pages')}`,
    frame,
  );
}

function verifies(k: KeyView): SafeHtml | string {
  if (k.status === 'retired') return 'no longer verifies';
  if (k.status === 'active') return 'while active';
  return k.verifiesUntil ? consoleTime(k.verifiesUntil) : 'until retired';
}

function retireForm(action: string, csrfToken: string, kid: string): SafeHtml {
  return html`<form method="post" action="${action}" class="inline-form"><input type="hidden" name="csrf_token" value="${csrfToken}"><input type="hidden" name="kid" value="${kid}"><button type="submit" class="danger">Retire<span class="visually-hidden"> key ${kid}</span></button></form>`;
}
