import { html, type SafeHtml } from './html.ts';
import { STYLESHEET_PATH } from './stylesheet.ts';

/** The frame of every page: language, viewport, the one stylesheet, no scripts. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Portico</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`.value;
}
