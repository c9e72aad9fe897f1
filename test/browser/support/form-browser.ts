/**
 * A minimal browser over fetch for flows driven without Chromium: keeps cookies (one host, so name → value is
 * enough), follows redirects by hand so the test sees each hop, and submits HTML forms the way a browser would
 * (hidden inputs, checked checkboxes, the pressed button's name/value).
 */
export interface Hop {
  status: number;
  url: string;
  location?: string;
  body: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  fields: [string, string][];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of tag.matchAll(/([a-zA-Z_:][\w:.-]*)(?:\s*=\s*"([^"]*)")?/g)) {
    const name = m[1];
    if (name) found.set(name.toLowerCase(), decodeEntities(m[2] ?? ''));
  }
  return found;
}

/** The first form of a page whose action matches, with what a browser would submit for it. */
export function formIn(page: Hop, actionPath: RegExp): HtmlForm {
  for (const m of page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = attributes(m[1] ?? '');
    const action = new URL(attrs.get('action') ?? page.url, page.url);
    if (!actionPath.test(action.pathname)) continue;
    const fields: [string, string][] = [];
    for (const input of (m[2] ?? '').matchAll(/<input\b([^>]*)>/g)) {
      const a = attributes(input[1] ?? '');
      const name = a.get('name');
      const type = (a.get('type') ?? 'text').toLowerCase();
      if (!name || type === 'submit') continue;
      if ((type === 'checkbox' || type === 'radio') && !a.has('checked')) continue;
      fields.push([name, a.get('value') ?? (type === 'checkbox' ? 'on' : '')]);
    }
    return { action: action.href, method: (attrs.get('method') ?? 'get').toLowerCase(), fields };
  }
  throw new Error(`no form posting to ${actionPath} at ${page.url} (${page.status}):\n${page.body.slice(0, 2000)}`);
}

export class FormBrowser {
  private readonly cookies = new Map<string, string>();

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: [string, string][] } = {}): Promise<Hop> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...rest] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || rest.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = res.headers.get('location');
    return { status: res.status, url, body: await res.text(), ...(location ? { location: new URL(location, url).href } : {}) };
  }

  /**
   * Follows redirects while they stay on `origin`; stops at the first page (2xx/4xx) or at a redirect leaving
   * it (the way back to the client's redirect_uri).
   */
  async follow(first: Hop, origin: string): Promise<Hop> {
    let hop = first;
    for (let i = 0; i < 10 && hop.location && new URL(hop.location).origin === origin; i++) {
      hop = await this.request(hop.location);
    }
    return hop;
  }

  /** Submits a form with some fields replaced or added (`extra` values replace same-named fields). */
  submit(form: HtmlForm, extra: Record<string, string> = {}): Promise<Hop> {
    const fields = form.fields.filter(([name]) => !(name in extra));
    fields.push(...Object.entries(extra));
    return form.method === 'post'
      ? this.request(form.action, { method: 'POST', form: fields })
      : this.request(`${form.action}?${new URLSearchParams(fields).toString()}`);
  }
}
