import { renderSVG } from 'uqr';
import { html, SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { copyButton, fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** Where the enrolment form is shown and posted. */
export const SECOND_FACTOR_ENROL_PATH = `${CONSOLE_PATHS.secondFactor}/enrol`;

interface SecondFactorPageBase {
  frame: ConsoleFrame;
  /** Where to go once it is presented: a path on this server, already checked. */
  returnTo: string;
}

export interface EnrolPageModel extends SecondFactorPageBase {
  /** The otpauth:// URI (the QR code's content). */
  uri: string;
  /** The same secret in Base32, for typing into the app. */
  secret: string;
  /** Required here (production) or chosen (sandbox). */
  required: boolean;
  error?: string;
}

export interface RecoveryCodesPageModel extends SecondFactorPageBase {
  codes: readonly string[];
}

export interface VerifyPageModel extends SecondFactorPageBase {
  error?: string;
}

export interface SecondFactorStatusModel {
  frame: ConsoleFrame;
  enrolled: boolean;
  enrolledAt?: Date;
  recoveryCodesLeft: number;
  required: boolean;
  /** Back where the administrator was going, once just presented (absent: nowhere in particular). */
  returnTo?: string;
}

const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}">`;

/** A code field, its label and its problem. */
function codeField(label: string, hint: string, error: string | undefined, numeric: boolean): SafeHtml {
  return html`<label for="code">${label}</label>
<p class="field-hint" id="code-hint">${hint}</p>
<input id="code" name="code" type="text" required autocomplete="one-time-code" autocapitalize="none" spellcheck="false"${numeric ? html` inputmode="numeric"` : ''}${invalidAttributes('code', error, 'code-hint')}>
${fieldError('code', error)}`;
}

/**
 * The QR code of the otpauth URI, drawn on the server as SVG (dark modules on white whatever the colour scheme: what
 * cameras read). uqr draws only rectangles and paths from the URI's bits; none of its text reaches the markup.
 */
function qrCode(uri: string): SafeHtml {
  const svg = renderSVG(uri, { border: 2 }).replace('<svg ', '<svg role="img" aria-labelledby="qr-caption" focusable="false" ');
  return html`<figure class="qr-code">${new SafeHtml(svg)}<figcaption id="qr-caption">QR code: scan it with your authenticator app</figcaption></figure>`;
}

/** Enrolment: scan (or type) the secret, then type the first code to confirm it. */
export function renderEnrolPage(model: EnrolPageModel): string {
  const { frame } = model;
  return consoleLayout(
    'Set up your second factor',
    html`<h1>Set up your second factor</h1>
<p>${model.required ? 'Administrators of this server sign in with a second factor: a code from an authenticator app on your phone.' : 'Add a second factor to your account: a code from an authenticator app on your phone, asked for at each sign-in.'}</p>
<ol>
<li>Open your authenticator app (any app for time-based codes) and add an account.</li>
<li>Scan the QR code, or type the key below.</li>
<li>Type the 6-digit code the app shows.</li>
</ol>
${qrCode(model.uri)}
<label for="totp-secret">Key, for typing into the app</label>
<div class="copyable"><input id="totp-secret" type="text" readonly value="${model.secret}">${copyButton('totp-secret', 'the key')}</div>
<form method="post" action="${pagePath(frame.site, SECOND_FACTOR_ENROL_PATH)}" novalidate>
${hidden('csrf_token', frame.csrfToken)}${hidden('return_to', model.returnTo)}
${codeField('Code from the app', '6 digits; a new one every 30 seconds.', model.error, true)}
<button type="submit" class="primary">Turn on the second factor</button>
</form>`,
    { ...frame, copyButtons: true },
  );
}

/** The recovery codes, shown this once. */
export function renderRecoveryCodesPage(model: RecoveryCodesPageModel): string {
  return consoleLayout(
    'Your recovery codes',
    html`<h1>Your recovery codes</h1>
<p class="success" role="status">Your second factor is on.</p>
<div class="warning"><p><strong>Save these codes now.</strong> They are shown only this once. Each one signs you in once if you lose your phone.</p></div>
<label for="recovery-codes">Recovery codes</label>
<div class="copyable"><textarea id="recovery-codes" readonly rows="${model.codes.length}" cols="22">${model.codes.join('\n')}</textarea>${copyButton('recovery-codes', 'the recovery codes')}</div>
<p><a class="button-link" href="${model.returnTo}">I have saved them: continue</a></p>`,
    { ...model.frame, copyButtons: true },
  );
}

/** Presenting the second factor: a code from the app, or a recovery code. */
export function renderVerifyPage(model: VerifyPageModel): string {
  const { frame } = model;
  return consoleLayout(
    'Second factor',
    html`<h1>Second factor</h1>
<form method="post" action="${pagePath(frame.site, CONSOLE_PATHS.secondFactor)}" novalidate>
${hidden('csrf_token', frame.csrfToken)}${hidden('return_to', model.returnTo)}
${codeField('Code from your authenticator app', 'The 6 digits it shows now; or, if you lost your phone, one of your recovery codes.', model.error, false)}
<button type="submit" class="primary">Continue</button>
</form>`,
    frame,
  );
}

/** Where the administrator stands: on (since when, recovery codes left), or off with a way to turn it on. */
export function renderSecondFactorStatusPage(model: SecondFactorStatusModel): string {
  const { frame } = model;
  return consoleLayout(
    'Second factor',
    html`<h1>Second factor</h1>
${
  model.enrolled
    ? html`<p class="success" role="status">Your second factor is on${model.enrolledAt ? html` since <time datetime="${model.enrolledAt.toISOString()}">${model.enrolledAt.toISOString().slice(0, 10)}</time>` : ''}.</p>
<p>${model.recoveryCodesLeft} unused recovery code${model.recoveryCodesLeft === 1 ? '' : 's'} left.</p>`
    : html`<p>Your second factor is off. ${model.required ? '' : 'It is optional on this sandbox server; production servers require it of administrators.'}</p>
<p><a class="button-link" href="${pagePath(frame.site, SECOND_FACTOR_ENROL_PATH)}">Set up a second factor</a></p>`
}
${model.returnTo ? html`<p><a href="${model.returnTo}">Continue</a></p>` : ''}`,
    frame,
  );
}
