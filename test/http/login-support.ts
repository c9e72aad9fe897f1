import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A hand-held cookie jar for app.inject: keeps what Set-Cookie sets, drops what it clears. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  take(res: LightMyRequestResponse): void {
    for (const line of setCookies(res)) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq).trim();
      const value = (pair ?? '').slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export function setCookies(res: LightMyRequestResponse): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

export function csrfTokenIn(body: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(body);
  if (!match?.[1]) throw new Error('no CSRF token in the page');
  return match[1];
}

export interface Browser {
  jar: CookieJar;
  remoteAddress: string;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Opens the sign-in page and posts the form with its CSRF token. */
  signIn(username: string, password: string, returnTo?: string): Promise<LightMyRequestResponse>;
}

/** One browser: its own cookies and client address. */
export function browser(app: FastifyInstance, remoteAddress = '203.0.113.1'): Browser {
  const jar = new CookieJar();
  const b: Browser = {
    jar,
    remoteAddress,
    async get(url) {
      const res = await app.inject({ method: 'GET', url, remoteAddress, headers: jar.cookies.size ? { cookie: jar.header() } : {} });
      jar.take(res);
      return res;
    },
    async post(url, form, headers = {}) {
      const res = await app.inject({
        method: 'POST',
        url,
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(jar.cookies.size ? { cookie: jar.header() } : {}), ...headers },
        payload: new URLSearchParams(form).toString(),
      });
      jar.take(res);
      return res;
    },
    async signIn(username, password, returnTo) {
      const page = await b.get(`/auth/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`);
      return b.post('/auth/login', { username, password, csrf_token: csrfTokenIn(page.body), return_to: returnTo ?? '/' });
    },
  };
  return b;
}
