import { ENDPOINTS } from '../endpoints.ts';

/** The pages' only stylesheet, served at STYLESHEET_PATH: a file, so the CSP needs no inline styles. */
export const STYLESHEET_PATH = ENDPOINTS.stylesheet.path;

export const STYLESHEET = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; padding: 2rem 1rem; }
main { max-width: 28rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=email], input[type=text], input[type=password] { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; margin-top: .25rem; }
button { font: inherit; padding: .5rem 1.25rem; margin-top: 1.5rem; margin-right: .5rem; cursor: pointer; }
.error { border-left: 4px solid #b00020; padding: .5rem .75rem; background: rgba(176, 0, 32, .08); }
.notice { border-left: 4px solid #8a6d00; padding: .5rem .75rem; background: rgba(138, 109, 0, .08); }
.warning { border-left: 4px solid #c5221f; padding: .5rem .75rem; background: rgba(197, 34, 31, .1); }
fieldset { border: none; padding: 0; margin: 1rem 0 0; min-width: 0; }
.scope { display: flex; gap: .5rem; align-items: baseline; font-weight: normal; margin-top: .5rem; }
.scope code { font-size: .8em; opacity: .7; }
/* Scope strings and host names have no spaces to wrap at: they break anywhere rather than widen a phone screen. */
.scope code, .choice code, .destination strong { overflow-wrap: anywhere; }
.categories { margin: .25rem 0 .5rem 1.75rem; }
.categories legend { font-size: .9em; opacity: .8; }
.choice { display: flex; gap: .5rem; align-items: baseline; font-weight: normal; margin-top: .5rem; }
.choice code { font-size: .8em; opacity: .7; }
.search { display: flex; gap: .5rem; align-items: baseline; }
.search button { margin-top: .25rem; }
input[type=search] { box-sizing: border-box; flex: 1; padding: .5rem; font: inherit; margin-top: .25rem; }
/* A tenant's pages: its logo and name above the page, over a stripe of its colour (brand.css sets --brand). */
.brand { display: flex; gap: .75rem; align-items: center; max-width: 28rem; margin: -1rem auto 1.5rem; padding-bottom: .75rem; border-bottom: 4px solid var(--brand, GrayText); }
.brand img { max-height: 40px; max-width: 40%; width: auto; }
.brand-name { font-weight: 700; font-size: 1.125rem; overflow-wrap: anywhere; }
`;
