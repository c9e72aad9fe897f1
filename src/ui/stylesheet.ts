import { ENDPOINTS } from '../endpoints.ts';

/** The pages' only stylesheet, served at STYLESHEET_PATH: a file, so the CSP needs no inline styles. */
export const STYLESHEET_PATH = ENDPOINTS.stylesheet.path;

export const STYLESHEET = `:root {
  color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5;
  /* The palette: every pair of text and background here is at least 4.5:1 (WCAG 2.2 AA), in both schemes. */
  --accent: #1d4ed8; --on-accent: #ffffff; --muted: #4b5563; --line: #d1d5db; --surface: rgba(0, 0, 0, .04); --focus: #1d4ed8;
}
@media (prefers-color-scheme: dark) {
  :root { --accent: #93c5fd; --on-accent: #0b1220; --muted: #c4c9d4; --line: #4b5563; --surface: rgba(255, 255, 255, .06); --focus: #93c5fd; }
}
/* Said, not left to the browser's default: every colour above is chosen against these (and checkers read them). */
html { background-color: Canvas; color: CanvasText; }
body { margin: 0; padding: 2rem 1rem; }
main { max-width: 28rem; margin: 0 auto; }
main.wide { max-width: 48rem; }
main.full { max-width: 72rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=email], input[type=text], input[type=password], input[type=url], select, textarea { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; margin-top: .25rem; border: 1px solid var(--muted); border-radius: 4px; background: Canvas; color: CanvasText; }
/* Buttons: the primary action filled, the others outlined; never two that look alike side by side. */
button { font: inherit; padding: .5rem 1.25rem; margin-top: 1.5rem; margin-right: .5rem; cursor: pointer; border-radius: 6px; border: 2px solid var(--accent); background: transparent; color: var(--accent); font-weight: 600; }
button.primary { background: var(--accent); color: var(--on-accent); }
button:hover { text-decoration: underline; }
/* Focus: a thick ring the keyboard user cannot miss, on every control, in both schemes. */
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.error { border-left: 4px solid #b00020; padding: .5rem .75rem; background: rgba(176, 0, 32, .08); }
.notice { border-left: 4px solid #8a6d00; padding: .5rem .75rem; background: rgba(138, 109, 0, .08); }
.warning { border-left: 4px solid #c5221f; padding: .5rem .75rem; background: rgba(197, 34, 31, .1); }
.success { border-left: 4px solid #1e7b34; padding: .5rem .75rem; background: rgba(30, 123, 52, .1); }
fieldset { border: none; padding: 0; margin: 1rem 0 0; min-width: 0; }
.scope { display: flex; gap: .5rem; align-items: baseline; font-weight: normal; margin-top: .5rem; }
/* Scope codes are read by developers checking what was asked: full size, full contrast, just quieter. */
.scope code, .choice code { font-size: .875em; color: var(--muted); }
/* Scope strings and host names have no spaces to wrap at: they break anywhere rather than widen a phone screen. */
.scope code, .choice code, .destination strong { overflow-wrap: anywhere; }
.categories { margin: .25rem 0 .5rem 1.75rem; }
.categories legend { font-size: .9em; color: var(--muted); }
.choice { display: flex; gap: .5rem; align-items: baseline; font-weight: normal; margin-top: .5rem; }
.search { display: flex; gap: .5rem; align-items: baseline; }
.search button { margin-top: .25rem; }
input[type=search] { box-sizing: border-box; flex: 1; padding: .5rem; font: inherit; margin-top: .25rem; }
/* The site header: the product (and a tenant's name and logo) above every page. */
.site { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: center; max-width: 28rem; margin: -1rem auto 1.5rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
.site.wide { max-width: 48rem; }
.site.full { max-width: 72rem; }
.site .product { font-weight: 700; }
.badge { font-size: .8rem; font-weight: 600; padding: .1rem .5rem; border-radius: 999px; border: 1px solid var(--muted); color: var(--muted); }
/* A tenant's pages: its logo and name, over a stripe of its colour (brand.css sets --brand). */
.brand { border-bottom: 4px solid var(--brand, GrayText); }
.brand img { max-height: 40px; max-width: 40%; width: auto; }
.brand-name { flex: 1 1 10rem; font-weight: 700; font-size: 1.125rem; overflow-wrap: break-word; min-width: 0; }
/* Under a tenant's name, on a line of their own: the product and the sandbox badge. */
.site-meta { flex-basis: 100%; display: flex; gap: .5rem; align-items: center; }
.brand .product { font-weight: 400; font-size: .85rem; color: var(--muted); }
/* Cards: one per app on the authorized-apps page, one per link on the landing page. */
.card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 1rem 0; background: var(--surface); }
.card h2 { margin-top: 0; }
.app-identity { display: flex; gap: .75rem; align-items: center; }
.app-identity img { width: 48px; height: 48px; object-fit: contain; border-radius: 8px; }
.app-links { font-size: .9rem; }
.muted { color: var(--muted); }
/* Read by screen readers, not shown: what tells one button from its neighbours. */
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.grant + .grant { border-top: 1px solid var(--line); margin-top: .75rem; }
.grant button { margin-top: .5rem; }
.app-links a { margin-right: 1rem; }
ul.cards { list-style: none; padding: 0; }
.card dl { margin: .5rem 0 0; }
.card code, dd code { overflow-wrap: anywhere; }
dt { font-weight: 600; }
dd { margin: 0 0 .5rem; overflow-wrap: anywhere; }
.links li { margin: .25rem 0; }
.patient { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: .5rem 0 1rem; }
/* Developer portal */
.field-hint { margin: .25rem 0 0; font-size: .9rem; color: var(--muted); }
.field-error { margin: .25rem 0 0; color: #b00020; font-weight: 600; }
@media (prefers-color-scheme: dark) { .field-error { color: #ffb4ab; } }
[aria-invalid=true] { border-color: #b00020; border-width: 2px; }
.legend { font-weight: 600; margin-top: 1rem; padding: 0; }
.copyable { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; min-width: 0; }
/* A command to copy keeps its lines: full width, scrolled inside its own box, its button under it. */
.copyable textarea { flex-basis: 100%; white-space: pre; overflow-x: auto; }
.copyable input, .copyable textarea { flex: 1 1 auto; min-width: 0; font-family: ui-monospace, monospace; }
.copyable button { margin-top: .25rem; margin-right: 0; flex: none; }
.copy-button[data-copied=true]::after { content: " ✓"; }
.button-link { display: inline-block; padding: .5rem 1.25rem; border-radius: 6px; border: 2px solid var(--accent); font-weight: 600; text-decoration: none; margin-top: 1rem; margin-right: .5rem; }
.button-link.primary { background: var(--accent); color: var(--on-accent); }
.button-link:hover { text-decoration: underline; }
/* Sign-in: one full-width button per identity provider, then "or" and the password form. */
.sign-in-providers { list-style: none; padding: 0; margin: 1rem 0 0; }
.sign-in-providers .button-link { display: block; text-align: center; margin: 0 0 .5rem; overflow-wrap: anywhere; }
.divider { display: flex; align-items: center; gap: .75rem; color: var(--muted); margin: 1.25rem 0 .25rem; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.actions { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 .5rem; }
.inline-form { display: inline; }
/* API docs */
.toc ol { padding-left: 1.5rem; }
.toc li { margin: .2rem 0; }
.example h3 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
.example pre { overflow-x: auto; max-width: 100%; margin: 0; padding: .75rem; border: 1px solid var(--line); border-radius: 6px; background: var(--surface); font-size: .85rem; line-height: 1.4; }
.example .copy-button { margin-top: .5rem; padding: .25rem .75rem; font-size: .9rem; }
ul.scope-list { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem .75rem; }
section { scroll-margin-top: 1rem; }
/* EHR launcher, EHR frame, token inspector */
legend { font-weight: 600; margin-top: 1rem; }
.ehr-banner { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; justify-content: space-between; border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 6px; padding: .5rem .75rem; background: var(--surface); }
.ehr-patient { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; }
.ehr-patient strong { font-size: 1.125rem; }
.ehr-user code, .ehr-patient code { overflow-wrap: anywhere; }
.ehr-actions { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
/* The app gets most of the screen: the width of the page, and the height left under the banner. */
iframe.ehr-app { display: block; box-sizing: border-box; width: 100%; height: 75vh; min-height: 24rem; border: 1px solid var(--line); border-radius: 6px; background: Canvas; }
pre.json { overflow-x: auto; max-width: 100%; box-sizing: border-box; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; background: var(--surface); font-size: .875rem; white-space: pre-wrap; overflow-wrap: anywhere; }
textarea { font-family: ui-monospace, monospace; font-size: .875rem; overflow-wrap: anywhere; }
/* "Your apps": what each app did (a disclosure, so the page stays short), sign-ins with the account. */
.last-access, .activity-none { margin: .75rem 0 .25rem; }
.last-access time { white-space: nowrap; }
details.activity { margin: .5rem 0; border-top: 1px solid var(--line); padding-top: .5rem; }
details.activity summary { cursor: pointer; font-weight: 600; color: var(--accent); padding: .25rem 0; }
details.activity h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
ul.reads-per-day, ul.identity-list, ol.requests, ol.sign-in-list { padding-left: 0; list-style: none; margin: 0; }
ul.reads-per-day li, ul.identity-list li, ol.requests li, ol.sign-in-list li { padding: .2rem 0; overflow-wrap: anywhere; }
ol.requests li + li, ol.sign-in-list li + li { border-top: 1px solid var(--line); }
ol.requests time, ol.sign-in-list time { display: block; font-size: .85rem; color: var(--muted); }
.outcome { font-size: .8rem; font-weight: 600; padding: 0 .4rem; border-radius: 999px; border: 1px solid currentColor; white-space: nowrap; }
.outcome.allowed { color: #1e7b34; }
.outcome.refused, .sign-in.refused { color: #b00020; }
@media (prefers-color-scheme: dark) { .outcome.allowed { color: #86efac; } .outcome.refused, .sign-in.refused { color: #ffb4ab; } }
.former-app { border-style: dashed; }
.former-app h2 .badge { vertical-align: middle; }
/* Admin console: a bar (who, over what, sign out), the sections as a wrapping row of links, tables that scroll inside themselves. */
.console-bar { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; justify-content: space-between; font-size: .9rem; }
.console-bar .inline-form button, .link-button { margin: 0; padding: .1rem .5rem; font-size: .9rem; }
.console-nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem .5rem; padding: 0; margin: .75rem 0 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .5rem; }
.console-nav a { display: inline-block; padding: .25rem .5rem; border-radius: 4px; text-decoration: none; }
.console-nav a:hover { text-decoration: underline; }
.console-nav a[aria-current=page] { background: var(--accent); color: var(--on-accent); }
.stats { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .75rem; }
.stat a { display: block; min-width: 8rem; padding: .75rem 1rem; border: 1px solid var(--line); border-radius: 8px; background: var(--surface); text-decoration: none; }
.stat-value { display: block; font-size: 1.75rem; font-weight: 700; }
.stat-label { color: CanvasText; }
.table-wrap { max-width: 100%; overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
/* An identifier in a cell keeps a readable width; the table scrolls inside its region rather than break it every few letters. */
td code { overflow-wrap: anywhere; display: inline-block; min-width: 14ch; }
.pager { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: baseline; margin: .5rem 0 1rem; }
.filters { display: flex; flex-wrap: wrap; gap: 0 1rem; align-items: flex-end; }
.filters > div { flex: 1 1 10rem; min-width: 0; }
.filters button { margin-top: .5rem; }
button.danger { border-color: #b00020; }
button.primary.danger { background: #b00020; color: #ffffff; }
@media (prefers-color-scheme: dark) { button.danger { border-color: #ffb4ab; } button.primary.danger { background: #ffb4ab; color: #1a0003; } }
/* Console: keys, sessions and grants, bulk exports. A table's region is the containing block of what it holds, so the
   visually hidden text of its buttons scrolls (and is clipped) with it instead of widening the page. */
.table-wrap { position: relative; }
.export-files { margin: .25rem 0 0; padding-left: 1.1rem; }
/* A long id (a key's kid, a job's or grant's id) wraps in a column wide enough to read, not one character a line. */
.console-id { display: inline-block; min-width: 11rem; }
/* Console access policies: the YAML/JSON choice, the policy's text, the tester's form and its decision chain. */
.copyable + .format-choice { margin-top: 1.25rem; }
/* Console identity providers: each redirect URI in its row, wide enough to read in a few lines, its copy button beside it. */
.copyable.redirect-uri { flex-wrap: nowrap; align-items: flex-start; }
.copyable.redirect-uri code { min-width: 30ch; }
.format-choice { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .5rem 0; }
.format-choice a[aria-current] { font-weight: 700; text-decoration: none; border-bottom: 2px solid currentColor; }
textarea.policy-text { white-space: pre; overflow-wrap: normal; overflow-x: auto; }
pre.policy-text { max-width: 100%; overflow-x: auto; padding: .5rem; border: 1px solid var(--line); border-radius: 4px; font-size: .875rem; }
.policy-line { display: inline-block; max-width: 100%; overflow-x: auto; white-space: pre; vertical-align: bottom; }
.policy-request { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.policy-request > div:first-child { flex: 0 0 8rem; }
.policy-request > div:last-child { flex: 1 1 14rem; min-width: 0; }
.policy-answer .outcome { font-size: 1rem; }
ol.decision-chain li { margin: .35rem 0; overflow-wrap: anywhere; }
ol.decision-chain li.step-missing strong { color: #b00020; }
ol.decision-chain li.step-met strong { color: #1e7b34; }
@media (prefers-color-scheme: dark) { ol.decision-chain li.step-missing strong { color: #ffb4ab; } ol.decision-chain li.step-met strong { color: #86efac; } }
/* Console: Apps. A section's own views (all apps, the review queue) as a row of links under its heading. */
.section-nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: 0 0 1rem; }
.section-nav a[aria-current=page] { font-weight: 700; }
/* A client_id in the apps table stays whole: the table scrolls inside its region rather than break it letter by letter. */
td code.client-id { white-space: nowrap; overflow-wrap: normal; }
/* Console: audit log (filter form's date-times like the other inputs; an event's refusal reason stands out). */
input[type=datetime-local] { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; margin-top: .25rem; border: 1px solid var(--muted); border-radius: 4px; background: Canvas; color: CanvasText; }
.audit-reason { font-weight: 600; }
.audit-filter .filters { align-items: flex-start; }
.audit-when { white-space: nowrap; }
/* Admin console, second factor: the enrolment QR code keeps its white quiet zone in dark mode (cameras need dark on light) and fits a phone. */
.qr-code { margin: 1rem 0; }
.qr-code svg { display: block; width: 100%; max-width: 16rem; height: auto; background: #ffffff; border-radius: 4px; }
.qr-code figcaption { font-size: .9rem; color: var(--muted); margin-top: .25rem; }
.console-bar + h1 { margin-top: 1.25rem; }
#recovery-codes { font-family: ui-monospace, monospace; line-height: 1.6; }
`;
