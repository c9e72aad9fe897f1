import { html } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

export interface TokenInspectorResult {
  header: string;
  payload: string;
  /** The payload's time claims as dates: `exp` → 2026-…Z. */
  times: readonly { claim: string; iso: string }[];
  signature: 'verified' | 'invalid' | 'unknown-key';
  active: boolean;
  introspection: string;
}

export interface TokenInspectorPageModel {
  site?: PageSite;
  csrfToken: string;
  action: string;
  launcherHref: string;
  token: string;
  error?: string;
  result?: TokenInspectorResult;
}

const SIGNATURE_TEXT = {
  verified: 'Verified with a key of this server (its JWKS)',
  invalid: 'Invalid: the key it names is ours, the signature does not match',
  'unknown-key': 'Not verified: no key of this server has its kid',
} as const;

/** Paste a JWT: its header and payload decoded, its signature against our JWKS, and what RFC 7662 introspection says of it. */
export function renderTokenInspectorPage(model: TokenInspectorPageModel): string {
  const { result } = model;
  return layout(
    'Token inspector',
    html`<h1>Token inspector</h1>
<p>Decode a JWT (an access token, id_token or launch) and see what this server says of it. <a href="${model.launcherHref}">EHR launcher</a></p>
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<label for="token">JWT</label>
${model.error ? html`<p class="error field-error" id="token-error">${model.error}</p>` : ''}
<textarea id="token" name="token" rows="6" spellcheck="false" autocomplete="off"${model.error ? html` aria-describedby="token-error" aria-invalid="true"` : ''}>${model.token}</textarea>
<button type="submit" class="primary">Inspect</button>
</form>
${
  result
    ? html`<h2>Signature</h2>
<p class="${result.signature === 'verified' ? 'success' : 'warning'}">${SIGNATURE_TEXT[result.signature]}</p>
<h2>Introspection</h2>
<p class="${result.active ? 'success' : 'warning'}">${result.active ? 'Active: a resource server asking would accept it.' : 'Not active: expired, revoked, or not a token of this server.'}</p>
<pre class="json" tabindex="0" aria-label="Introspection response">${result.introspection}</pre>
<h2>Header</h2>
<pre class="json" tabindex="0" aria-label="Header">${result.header}</pre>
<h2>Payload</h2>
${result.times.length > 0 ? html`<dl>${result.times.map((t) => html`<dt>${t.claim}</dt><dd><time datetime="${t.iso}">${t.iso}</time></dd>`)}</dl>` : ''}
<pre class="json" tabindex="0" aria-label="Payload">${result.payload}</pre>`
    : ''
}`,
    model.site,
    'wide',
  );
}
