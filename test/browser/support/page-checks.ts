import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { freePort } from '../../support/processes.ts';

// Page-side expressions are strings: this project's TypeScript has no DOM types.

/** Nothing is wider than the screen: no sideways scrolling (at 375 px). */
export async function assertFitsWidth(page: Page): Promise<void> {
  const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
  assert.ok(widths.scroll <= widths.client, `the page is ${widths.scroll}px wide in a ${widths.client}px screen`);
}

/** How the keyboard focus is drawn on an element. */
export interface FocusLook {
  outlineStyle: string;
  outlineWidth: string;
  focusVisible: boolean;
}

/**
 * Tabs through the page until an element matching `selector` (and whose text starts with `text`, when given) has
 * the focus; returns how the focus is drawn.
 */
export async function tabTo(page: Page, selector: string, text?: string): Promise<FocusLook> {
  const textTest = text === undefined ? '' : ` && document.activeElement.textContent.startsWith(${JSON.stringify(text)})`;
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(`document.activeElement !== null && document.activeElement.matches(${JSON.stringify(selector)})${textTest}`)) {
      return (await page.evaluate(
        "(() => { const el = document.activeElement; const style = getComputedStyle(el); return { outlineStyle: style.outlineStyle, outlineWidth: style.outlineWidth, focusVisible: el.matches(':focus-visible') }; })()",
      )) as FocusLook;
    }
  }
  return assert.fail(`${selector} never received the focus by keyboard`);
}

/** A plain HTTP server on a free loopback port (an app's redirect target, a logo host); close it yourself. */
export async function startLoopbackServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(handle);
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What the app's redirect target shows: a plain page, so the browser lands somewhere. */
export const BACK_IN_THE_APP = '<!doctype html><title>back</title><p>back in the app</p>';

/** axe-core's browser build, read once. */
let axeSource: string | undefined;

/** What axe-core reports of a rule a page breaks. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * The page passes axe-core's WCAG 2.2 A and AA rules (contrast, names, labels, landmarks…), as it is now (light or
 * dark, its width). Run through the DevTools protocol, so the pages' CSP (no scripts at all) stays as it is.
 */
export async function assertAccessible(page: Page): Promise<void> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
  )) as AxeViolation[];
  assert.deepEqual(violations, [], `${page.url()} breaks: ${violations.map((v) => `${v.id} (${v.impact ?? ''}: ${v.help}) at ${v.nodes.join(', ')}`).join('; ')}`);
}

/** Where the browser tests write their screenshots, for a person to look at. */
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'portico-screenshots');

/** The page fits the screen's width and passes axe-core as it is now; its screenshot is kept as `name`.png. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await assertFitsWidth(page);
  await assertAccessible(page);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
