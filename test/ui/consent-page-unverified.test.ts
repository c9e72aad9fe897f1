import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentScopes } from '../../src/http/ui/scope-lines.ts';
import { renderConsentPage, type ConsentPageModel } from '../../src/ui/consent-page.ts';
import { STYLESHEET } from '../../src/ui/stylesheet.ts';

const base: ConsentPageModel = { clientName: 'App', ...consentScopes(['patient/Patient.rs']), csrfToken: 't', action: '/auth/authorize/decision', redirectHost: 'app.example.org' };

describe('consent page: where the answer goes, and unverified apps', () => {
  it('names the host the answer goes to, before the form', () => {
    const page = renderConsentPage(base);
    assert.match(page, /<p class="destination">After you answer, you will be sent to <strong>app\.example\.org<\/strong>\.<\/p>\n<form /);
    assert.doesNotMatch(page, /Unverified|class="warning"/);
  });

  it('an unverified app gets a warning above everything else that names it and its host, escaped', () => {
    const page = renderConsentPage({ ...base, clientName: 'Your <b>Hospital</b>', redirectHost: 'evil.example"><i>', unverified: true });
    const warning = /<p class="warning">([\s\S]*?)<\/p>/.exec(page)?.[1];
    assert.ok(warning, page);
    assert.match(warning, /^<strong>Unverified app\.<\/strong> “Your &lt;b&gt;Hospital&lt;\/b&gt;” registered itself with this server, and no administrator has checked who made it\./);
    assert.match(warning, /expected to be sent to evil\.example&quot;&gt;&lt;i&gt;\.$/);
    assert.ok(page.indexOf('class="warning"') < page.indexOf('class="destination"'));
    assert.ok(page.indexOf('class="destination"') < page.indexOf('<form '));
    assert.doesNotMatch(page, /<b>|<i>/);
  });

  it('the warning has its own style in the one stylesheet (no inline style), readable in light and dark', () => {
    const page = renderConsentPage({ ...base, unverified: true });
    assert.doesNotMatch(page, /style=|<style/);
    assert.match(STYLESHEET, /\.warning \{[^}]*border-left: 4px solid #[0-9a-f]{6};[^}]*background: rgba\(/);
    assert.match(STYLESHEET, /:root \{[^}]*color-scheme: light dark;/);
    // A long host or scope wraps instead of widening a 375 px screen (a fieldset is as wide as its content otherwise).
    assert.match(STYLESHEET, /\.scope code, \.choice code, \.destination strong \{ overflow-wrap: anywhere; \}/);
    assert.match(STYLESHEET, /fieldset \{[^}]*min-width: 0;/);
  });
});
