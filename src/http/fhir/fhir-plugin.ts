import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessFactory } from '../../auth/access/access-factory.ts';
import { presentedCredentials, type PresentedCredentials } from '../../auth/bearer/authorization-header.ts';
import type { FhirAuthentication, FhirAuthenticator, FhirPrincipal } from '../../auth/bearer/fhir-authenticator.ts';
import { bearerChallenge } from '../../auth/challenge.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import type { FhirAccess } from '../../fhir/access/access-port.ts';
import type { FhirDeps, FhirRequest, FhirRequestHeaders } from '../../fhir/interaction.ts';
import type { AuditedEntries } from '../../fhir/audit/fhir-auditor.ts';
import { auditActorOf } from '../../auth/bearer/audit-actor-of.ts';
import { FhirError, issue, outcome } from '../../fhir/outcome.ts';
import { fhirOperations } from '../../fhir/operations/index.ts';
import { createFhirRouter } from '../../fhir/router.ts';
import { bodyText } from '../body-text.ts';
import { describeForbidden, findInUrlEncoded } from '../forbidden-characters.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { fhirErrorOf, StorageFault } from '../../fhir/storage-fault.ts';
import { BodyError, parseJsonBody } from '../json-body.ts';
import { registerBulkRoutes, requesterKey, type BulkRouteOptions } from './bulk-routes.ts';
import { LeftQueue, type ConcurrencyGate } from './concurrency-gate.ts';

export interface FhirPluginOptions {
  /** The path the plugin is registered under (its Fastify prefix): `/fhir`, or `/api/open-fhir` in the sandbox. */
  mount?: string;
  deps: FhirDeps;
  maxJsonDepth: number;
  auth: FhirAuthOptions;
  /** Bulk Data export ($export, status and file URLs); absent: not served. */
  bulk?: BulkRouteOptions;
  /** Bounds the FHIR requests worked on at once (shared by every mount); absent: unbounded. */
  gate?: ConcurrencyGate;
}

export interface FhirAuthOptions {
  /** Bearer access tokens, or the root client's Basic credentials. */
  authenticate: FhirAuthenticator;
  /** The FHIR access a verified token's grant gives: the auth domain's side of the FHIR access port. */
  accessFor: AccessFactory;
}

/** Who calls, once authenticated, and the access the FHIR layer enforces for them. */
export interface FhirCaller {
  principal: FhirPrincipal;
  /** Absent: full access (the root client). */
  access?: FhirAccess;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the FHIR plugin's authentication hook; null on the open paths and for OPTIONS. */
    fhirCaller: FhirCaller | null;
    /** The request URL as the FHIR plugin reads it, parsed once (fhirUrlOf). */
    fhirUrl: URL | null;
    /** The Authorization header as presented, read once (fhirCredentialsOf). */
    fhirCredentials: PresentedCredentials | null;
    /** What the handler learnt for the request's AuditEvent: the answer's body, a Bundle's entries. */
    fhirAudit: FhirAuditNotes | null;
  }
}

/** The handler's notes for the audit trail; the rest of the event comes from the request and the reply. */
interface FhirAuditNotes {
  body?: unknown;
  entries: AuditedEntries;
  bundleType?: 'batch' | 'transaction';
  /**
   * Refused by the concurrency gate before it ran, or failed because the database was saturated or gone: nothing was
   * read or written, and nothing is recorded (recording would need the database that just refused).
   */
  busy?: boolean;
  /** Gives the request's place at the gate back (idempotent): its work is done once it is being recorded. */
  leaveGate?: () => void;
}

/** Open without credentials: the CapabilityStatement and discovery (SMART App Launch 2.2 §"Conformance"). */
const openPathUnder = (mount: string) => new RegExp(`^${mount.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/(metadata/?|\\.well-known/.*)$`);

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', 'application/json+fhir', 'text/json']);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
/** More query parameters than any real search needs is a denial-of-service attempt, not a query. */
const MAX_QUERY_PARAMETERS = 256;

/** The FHIR REST surface at /fhir: parses HTTP into a FhirRequest, renders FhirResponse and errors. */
export async function fhirPlugin(app: FastifyInstance, options: FhirPluginOptions): Promise<void> {
  const { deps, maxJsonDepth } = options;
  const mount = options.mount ?? ENDPOINTS.fhir.path;
  const openPath = openPathUnder(mount);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/json-patch+json', 'text/json'],
    { parseAs: 'buffer' },
    (_req, body, done) => {
      try {
        done(null, parseJsonBody(bodyText(body as Buffer), maxJsonDepth));
      } catch (err) {
        done(err as Error, undefined);
      }
    },
  );
  // POST [type]/_search sends its parameters as a form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      const text = bodyText(body as Buffer);
      const forbidden = findInUrlEncoded(text, 'text', 'form parameter');
      if (forbidden) throw new BodyError(400, describeForbidden(forbidden));
      const form: Record<string, string[]> = {};
      for (const [k, v] of new URLSearchParams(text)) (form[k] ??= []).push(v);
      done(null, form);
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => renderError(error, request, reply));

  // Forbidden text in the URL or the credentials: 400 before authentication or routing read them (RFC 6750
  // §3.1: malformed credentials are `invalid_request`).
  app.addHook(
    'onRequest',
    refuseForbiddenText((description, part) =>
      new FhirError(400, issue('invalid', description), part === 'authorization' ? { 'WWW-Authenticate': bearerChallenge({ error: 'invalid_request' }) } : {}),
    ),
  );

  // Before authentication: checking a token reads the grant's status on the authorization server's connections,
  // which the token endpoint needs; a flood of FHIR requests waits here instead, costing nothing. Only the FHIR
  // interactions are counted (not Bulk Data status and files, which the pool's admission bounds). The place is given
  // back when the response ends or the connection closes, whichever comes first.
  const gate = options.gate;
  if (gate) {
    app.addHook('onRequest', async (request, reply) => {
      if ((request.routeOptions.config as { gated?: boolean }).gated !== true) return;
      // A request the authentication below refuses without looking anything up (no credentials, or malformed
      // ones, on a path that needs them) takes no place: a flood of them cannot hold the API from its callers.
      if (request.method !== 'OPTIONS' && refusedUnread(fhirCredentialsOf(request)) && !openPath.test(fhirUrlOf(request).pathname)) return;
      const entry = gate.enter();
      if (!entry) {
        request.fhirAudit = { entries: [], busy: true };
        throw BUSY;
      }
      reply.raw.once('close', entry.leave);
      request.fhirAudit = { entries: [], leaveGate: entry.leave };
      // A connection already closed has said 'close' before anyone listened: nothing would give the place back.
      if (reply.raw.destroyed || request.raw.socket?.destroyed === true) {
        entry.leave();
        throw new LeftQueue('The client closed the connection before its request ran');
      }
      await entry.ready;
    });
  }

  // Who calls, decided before the body is parsed: an unauthenticated request learns nothing of the API.
  // A token's access is asked of the auth domain here, once; the FHIR layer sees only what it returns.
  app.decorateRequest('fhirCaller', null);
  app.decorateRequest('fhirUrl', null);
  app.decorateRequest('fhirCredentials', null);
  app.decorateRequest('fhirAudit', null);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || openPath.test(fhirUrlOf(request).pathname)) return;
    const authentication = await options.auth.authenticate(fhirCredentialsOf(request));
    if (!authentication.ok) return unauthorized(reply, authentication);
    const { principal } = authentication;
    request.fhirCaller = principal.kind === 'token' ? { principal, access: await options.auth.accessFor(principal.grant) } : { principal };
  });
  // RFC 6750 §3.1: a token that does not reach the resource is `insufficient_scope`.
  app.addHook('onSend', async (request, reply) => {
    if (reply.statusCode === 403 && request.fhirCaller?.principal.kind === 'token' && !reply.hasHeader('www-authenticate')) {
      reply.header('WWW-Authenticate', bearerChallenge({ error: 'insufficient_scope' }));
    }
  });
  // No request is answered before its AuditEvent is durable (src/fhir/audit): the answer waits here for the commit,
  // and a request whose event could not be recorded is answered 503 instead, its result withheld.
  const auditor = deps.audit;
  if (auditor) {
    app.addHook('onSend', async (request, reply, payload) => {
      const notes = request.fhirAudit;
      if (request.method === 'OPTIONS' || notes?.busy || openPath.test(fhirUrlOf(request).pathname)) return payload;
      // A batch none of whose entries reached the database (saturated or gone) is refused as a whole would be.
      if (notes && notes.entries.length > 0 && notes.entries.every((entry) => entry.databaseFault)) return payload;
      const url = fhirUrlOf(request);
      const query = [url.search.slice(1), formQuery(request.body)].filter((q) => q !== '').join('&');
      const status = reply.statusCode;
      const body = notes && 'body' in notes ? notes.body : status >= 400 ? parsedOutcome(payload) : undefined;
      // Its reads and writes are done: waiting for the event's commit needs no place at the gate, which bounds the
      // work on the database and the event loop (the group commit takes one connection per chain, whatever waits).
      notes?.leaveGate?.();
      try {
        await auditor.record(
          {
            method: request.method as FhirRequest['method'],
            path: url.pathname.slice(mount.length).replace(/^\//, ''),
            ...(query ? { query } : {}),
            status,
            body,
            ...(notes?.bundleType ? { bundleType: notes.bundleType } : {}),
          },
          auditActorOf(request.fhirCaller?.principal, { address: request.ip, ...requestIdOf(request) }),
          notes?.entries,
        );
      } catch (err) {
        request.log.error({ err }, 'the audit trail could not record a FHIR request; its answer is withheld');
        for (const header of WITHHELD_HEADERS) reply.removeHeader(header);
        reply.code(503).header('Retry-After', '1').type(FHIR_JSON);
        return JSON.stringify(outcome(issue('transient', 'The request could not be recorded in the audit trail, so its answer is withheld; try again shortly')));
      }
      return payload;
    });
  }
  if (options.bulk) {
    registerBulkRoutes(app, { ...options.bulk, callerOf: (request) => ({ principal: request.fhirCaller?.principal, access: request.fhirCaller?.access }) });
  }
  app.setNotFoundHandler((request, reply) =>
    sendOutcome(reply, 404, outcome(issue('not-found', `No FHIR endpoint at ${request.url}`))),
  );

  const handleFhirRequest = createFhirRouter(
    fhirOperations({
      ...(options.bulk ? { bulkExport: options.bulk.service } : {}),
      resourceTypes: deps.definitions.resourceTypes,
      ...(deps.terminology ? { terminology: deps.terminology } : {}),
    }),
  );
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = fhirUrlOf(request);
    const query = [...url.searchParams];
    if (query.length > MAX_QUERY_PARAMETERS) {
      throw new FhirError(400, issue('too-costly', `At most ${MAX_QUERY_PARAMETERS} query parameters are accepted`));
    }
    const format = query.find(([k]) => k === '_format')?.[1];
    if (format !== undefined && !JSON_FORMATS.has(format)) {
      throw new FhirError(406, issue('not-supported', `_format=${format} is not supported; this server speaks JSON`));
    }
    if (format === undefined && !acceptsJson(request.headers.accept)) {
      throw new FhirError(406, issue('not-supported', `Accept: ${request.headers.accept} is not supported; this server speaks JSON`));
    }
    const path = url.pathname.slice(mount.length).replace(/^\//, '');
    const fhirRequest: FhirRequest = {
      method: request.method as FhirRequest['method'],
      path,
      query,
      ...(url.search !== '' ? { rawQuery: url.search.slice(1) } : {}),
      body: request.body,
      headers: pickHeaders(request),
    };
    const access = request.fhirCaller?.access;
    const principal = request.fhirCaller?.principal;
    const notes: FhirAuditNotes = { entries: [], ...bundleTypeOf(request.body), ...(request.fhirAudit?.leaveGate ? { leaveGate: request.fhirAudit.leaveGate } : {}) };
    request.fhirAudit = notes;
    const response = await handleFhirRequest(fhirRequest, {
      ...deps,
      ...(access ? { access } : {}),
      ...(principal ? { requester: requesterKey(principal) } : {}),
      ...(deps.audit ? { auditEntries: notes.entries } : {}),
    });
    notes.body = response.body;
    reply.code(response.status).headers(response.headers ?? {});
    if (response.body === undefined) return reply.send();
    const pretty = query.some(([k, v]) => k === '_pretty' && v === 'true');
    if (response.bodyJson !== undefined && !pretty) return reply.type(FHIR_JSON).send(response.bodyJson);
    return reply.type(FHIR_JSON).send(JSON.stringify(response.body, null, pretty ? 2 : undefined));
  };
  for (const url of ['/', '/*']) app.route({ method: [...METHODS], url, handler, config: { gated: true } });
}

/**
 * The request URL, parsed (and its path normalised) once for the gate, authentication and the route alike:
 * what decides that a path is open is what the route serves.
 */
function fhirUrlOf(request: FastifyRequest): URL {
  return (request.fhirUrl ??= new URL(request.url, 'http://x'));
}

function fhirCredentialsOf(request: FastifyRequest): PresentedCredentials {
  return (request.fhirCredentials ??= presentedCredentials(request.headers.authorization));
}

/** Credentials the FHIR authenticator refuses on sight: none at all, or a malformed Authorization header. */
function refusedUnread(presented: PresentedCredentials): boolean {
  return presented.kind === 'none' || presented.kind === 'malformed';
}

/** Every place is taken and the queue is full: refused at once, as a saturated database pool is (RFC 9110 §15.6.4). */
const BUSY = new FhirError(503, issue('transient', 'The server is busy: it is working on as many FHIR requests as it takes at once and the queue is full; try again shortly'), { 'Retry-After': '1' });

/** 401 with the RFC 6750 §3 challenge; no `error` when no credentials were sent. */
function unauthorized(reply: FastifyReply, failure: Extract<FhirAuthentication, { ok: false }>) {
  const challenge = failure.error ? bearerChallenge({ error: failure.error, description: failure.description }) : bearerChallenge();
  const code = failure.error ? 'security' : 'login';
  return sendOutcome(reply, 401, outcome(issue(code, failure.description)), { 'WWW-Authenticate': challenge });
}

function pickHeaders(request: FastifyRequest): FhirRequestHeaders {
  const h = request.headers;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
  const out: FhirRequestHeaders = {};
  const set = (key: keyof FhirRequestHeaders, value: string | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('ifMatch', one(h['if-match']));
  set('ifNoneMatch', one(h['if-none-match']));
  set('ifNoneExist', one(h['if-none-exist']));
  set('ifModifiedSince', one(h['if-modified-since']));
  set('prefer', one(h['prefer']));
  set('accept', one(h['accept']));
  set('contentType', one(h['content-type'])?.split(';')[0]?.trim().toLowerCase());
  return out;
}

function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase() ?? '')
    .some((type) => type === '*/*' || type === 'application/*' || type.includes('json') || type === 'text/*' || type === 'text/html');
}

function sendOutcome(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).type(FHIR_JSON).send(JSON.stringify(body));
}

/** The one error renderer of the FHIR surface: every failure is an OperationOutcome, never a stack. */
export function renderError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof StorageFault) {
    if (error.kind === 'busy' || error.kind === 'unavailable') request.fhirAudit = { ...(request.fhirAudit ?? { entries: [] }), busy: true };
    if (error.kind !== 'busy') request.log.warn({ err: error }, 'database fault in FHIR request');
    return renderError(fhirErrorOf(error), request, reply);
  }
  if (error instanceof FhirError) return sendOutcome(reply, error.status, error.outcome, { ...error.headers });
  // Its client has gone: nobody reads this answer, and nothing went wrong here.
  if (error instanceof LeftQueue) return sendOutcome(reply, 503, outcome(issue('transient', error.message)), { 'Retry-After': '1' });
  if (error instanceof BodyError) return sendOutcome(reply, error.status, outcome(issue('structure', error.message)));
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return sendOutcome(reply, 413, outcome(issue('too-costly', 'The request body is larger than this server accepts')));
  }
  if (e.code === 'FST_ERR_BAD_URL') {
    return sendOutcome(reply, 400, outcome(issue('invalid', 'The URL is malformed (bad percent-encoding)')));
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return sendOutcome(reply, 415, outcome(issue('not-supported', `Content-Type ${request.headers['content-type']} is not supported; send application/fhir+json`)));
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return sendOutcome(reply, e.statusCode, outcome(issue('invalid', e.message ?? 'Bad request')));
  }
  request.log.error({ err: error }, 'unhandled error in FHIR request');
  return sendOutcome(reply, 500, outcome(issue('exception', 'Internal server error')));
}

/** Headers that would tell what a withheld answer did. */
const WITHHELD_HEADERS = ['location', 'content-location', 'etag', 'last-modified', 'expires', 'x-progress'];

/** A `_search` form's parameters, as a query string: the event keeps them as it keeps a URL's. */
function formQuery(body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body) || (body as { resourceType?: unknown }).resourceType !== undefined) return '';
  const pairs: [string, string][] = [];
  for (const [k, values] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') pairs.push([k, v]);
  }
  return new URLSearchParams(pairs).toString();
}

function bundleTypeOf(body: unknown): { bundleType?: 'batch' | 'transaction' } {
  const b = body as { resourceType?: unknown; type?: unknown } | undefined;
  return b?.resourceType === 'Bundle' && (b.type === 'batch' || b.type === 'transaction') ? { bundleType: b.type } : {};
}

/** The OperationOutcome an error answer carries, parsed back from what was rendered. */
function parsedOutcome(payload: unknown): unknown {
  if (typeof payload !== 'string' || !payload.startsWith('{"resourceType":"OperationOutcome"')) return undefined;
  try {
    return JSON.parse(payload);
  } catch {
    return undefined;
  }
}

/** BALP records the X-Request-Id a client sends; one of sane length and characters only. */
function requestIdOf(request: FastifyRequest): { requestId?: string } {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && /^[\x21-\x7e]{1,128}$/.test(id) ? { requestId: id } : {};
}
