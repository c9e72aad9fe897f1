import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import type { AdminIssue } from '../../../auth/admin/admin-error.ts';
import type { PolicyTextProblem } from '../../../ui/console/policy-edit-page.ts';
import { parseAdminBody } from '../../admin/admin-body.ts';
import { BodyError } from '../../json-body.ts';

/** How an administrator writes a policy in the console's editor. */
export type PolicyFormat = 'yaml' | 'json';

/** Where in the text a problem is (1-based), when it can be found. */
export interface TextPosition {
  line: number;
  column?: number;
}

export type ParsedPolicyText = { ok: true; body: unknown } | { ok: false; message: string; at?: TextPosition };

const CONTENT_TYPE: Readonly<Record<PolicyFormat, string>> = { yaml: 'text/yaml', json: 'application/json' };

/**
 * The editor's text as the admin API would parse it as a body of that media type (parseAdminBody: the same limits,
 * the same refusals); a syntax error comes back with the line and column it is at.
 */
export function parsePolicyText(text: string, format: PolicyFormat, maxDepth: number): ParsedPolicyText {
  try {
    const body = parseAdminBody(text, CONTENT_TYPE[format], maxDepth);
    if (body === undefined) return { ok: false, message: 'The policy is empty' };
    return { ok: true, body };
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    const at = format === 'json' ? jsonErrorPosition(text) : yamlErrorPosition(text);
    // The parser's own "at line 5, column 1:" is said by the position instead.
    return at ? { ok: false, message: err.message.replace(/ at line \d+, column \d+:?$/, ''), at } : { ok: false, message: err.message };
  }
}

/** A syntax error of the text as the editor's problem list shows it: at its line and column, the line quoted. */
export function syntaxProblem(text: string, parsed: Extract<ParsedPolicyText, { ok: false }>): PolicyTextProblem {
  const at = parsed.at;
  return { message: parsed.message, ...(at ? { line: at.line, ...(at.column !== undefined ? { column: at.column } : {}), lineText: lineText(text, at.line) } : {}) };
}

/** A validation issue of the admin API with the line of the field it names, where the text has that field. */
export function issueProblem(text: string, issue: AdminIssue): PolicyTextProblem {
  const expression = issue.expression?.[0];
  const unknown = /unknown field\(s\) ([^,\s]+)/.exec(issue.diagnostics)?.[1];
  const line = expression ? lineOfField(text, expression, unknown) : undefined;
  return { message: issue.diagnostics, ...(line !== undefined ? { line, lineText: lineText(text, line) } : {}) };
}

/** Line `line` (1-based) of the text, without its line end. */
export function lineText(text: string, line: number): string {
  return (text.split('\n')[line - 1] ?? '').replace(/\r$/, '');
}

/** The position JSON.parse names ("at position N"), as a line and column; the end of the text for an early end. */
function jsonErrorPosition(text: string): TextPosition | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const match = /at position (\d+)/.exec((err as Error).message);
    const offset = match ? Number(match[1]) : /end of JSON input/.test((err as Error).message) ? text.length : undefined;
    return offset === undefined ? undefined : positionOf(text, offset);
  }
}

function yamlErrorPosition(text: string): TextPosition | undefined {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, logLevel: 'silent' });
  const first = [...doc.errors, ...doc.warnings][0];
  const pos = first?.linePos?.[0];
  return pos ? { line: pos.line, column: pos.col } : undefined;
}

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/**
 * The line of the field a validation issue names (`AccessPolicy.link[0].id`, `AccessPolicy.matcho`) in the text,
 * read as YAML (which JSON is too); the deepest part of the path that is there. Undefined when nothing is found.
 * An unknown field is named in the message rather than the expression: `unknownField` finds that key's line.
 */
export function lineOfField(text: string, expression: string, unknownField?: string): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, logLevel: 'silent', uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const path = fieldPath(expression);
  if (unknownField !== undefined) path.push(unknownField);
  let node: unknown = doc.contents;
  let found: number | undefined;
  for (const part of path) {
    if (typeof part === 'number' && isSeq(node)) {
      node = node.items[part];
    } else if (typeof part === 'string' && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === part);
      if (!pair) break;
      found = lineAt(counter, pair.key as Node) ?? found;
      node = pair.value;
      continue;
    } else break;
    found = lineAt(counter, node as Node | undefined) ?? found;
  }
  return found;
}

function lineAt(counter: LineCounter, node: Node | undefined): number | undefined {
  const start = node?.range?.[0];
  return start === undefined ? undefined : counter.linePos(start).line;
}

/** `AccessPolicy.link[0].id` → ['link', 0, 'id']. */
function fieldPath(expression: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const piece of expression.split('.').slice(1)) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(piece);
    if (!match) return parts;
    if (match[1]) parts.push(match[1]);
    for (const index of (match[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(index[1]));
  }
  return parts;
}

/** A stored policy as the editor shows it: without its id (in the URL) and its version (the server's). */
export function policyText(policy: Record<string, unknown>, format: PolicyFormat): string {
  const { id: _id, meta, ...rest } = policy;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = (meta ?? {}) as Record<string, unknown>;
  // In the order people read a policy (the database keeps no order): what it is, to whom, what it matches.
  const ordered: Record<string, unknown> = {};
  for (const key of ['resourceType', 'description', 'engine', 'link', 'matcho']) if (key in rest) ordered[key] = rest[key];
  if (Array.isArray(ordered.link)) ordered.link = (ordered.link as Record<string, unknown>[]).map(({ resourceType, id, ...other }) => ({ resourceType, id, ...other }));
  for (const [key, value] of Object.entries(rest)) if (!(key in ordered)) ordered[key] = value;
  const shown = { ...ordered, ...(Object.keys(keptMeta).length > 0 ? { meta: keptMeta } : {}) };
  return format === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : stringify(shown);
}
