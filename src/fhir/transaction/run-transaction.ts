import { unitFor } from '../authorization/guard-interaction.ts';
import type { Bundle, BundleEntry } from '../bundle.ts';
import type { FhirDeps, FhirRequest, FhirResponse, FhirUnitDeps } from '../interaction.ts';
import { FhirError, issue, type OperationOutcome } from '../outcome.ts';
import { resolveRoute } from '../resolve-route.ts';
import { findByCriteria } from '../search/criteria.ts';
import type { BatchEntry } from './bundle-entries.ts';
import type { EntryDispatcher } from './dispatch.ts';
import { responseEntry } from './entry-response.ts';
import { isPlaceholder, rewriteReferences } from './reference-rewrite.ts';
import { ID_SOURCE } from '../resource.ts';

/** `Type/id`: a DELETE entry's url that names one resource. */
const TYPE_AND_ID = new RegExp(`^[A-Za-z]+/${ID_SOURCE}$`);

/** What a placeholder fullUrl turned into, decided before any POST/PUT runs. */
interface Assignment {
  /** `Patient/123`: what references to the placeholder become. */
  reference: string;
  /** The id a create must use; absent when a conditional create matched an existing resource. */
  newId?: string;
}

/** Processing order of FHIR R4 http.html#trules: DELETE, then POST, then PUT/PATCH, then GET/HEAD. */
const PHASES: FhirRequest['method'][][] = [['DELETE'], ['POST'], ['PUT', 'PATCH'], ['GET', 'HEAD']];

/**
 * A transaction (FHIR R4 http.html#transaction): every entry in one unit of work, all or nothing.
 * Placeholder (urn:uuid:/urn:oid:) and conditional references are resolved to server ids first.
 * The first failing entry rolls everything back and becomes the error, naming the entry.
 */
export async function runTransaction(entries: BatchEntry[], deps: FhirDeps, dispatch: EntryDispatcher): Promise<Bundle> {
  return deps.repository.transaction(async (writer) => new TransactionRun(entries, { ...deps, writer }, dispatch).run());
}

class TransactionRun {
  private readonly results: BundleEntry[] = [];
  /** `Type/id` written by an entry → that entry's index, to refuse two entries on one resource. */
  private readonly written = new Map<string, number>();
  private readonly assignments = new Map<string, Assignment>();
  private readonly conditionalReferences = new Map<string, string>();

  constructor(
    private readonly entries: BatchEntry[],
    private readonly unit: FhirUnitDeps,
    private readonly dispatch: EntryDispatcher,
  ) {}

  async run(): Promise<Bundle> {
    const [deletes = [], posts = [], puts = [], gets = []] = PHASES.map((methods) =>
      this.entries.filter((e) => methods.includes(e.request.method)));
    for (const entry of deletes) await this.execute(entry);
    for (const entry of [...posts, ...puts]) await this.failing(entry, () => this.assignIdentity(entry));
    const requests = new Map<number, FhirRequest>();
    for (const entry of this.entries) {
      if (entry.request.method !== 'DELETE') requests.set(entry.index, await this.failing(entry, () => this.rewrite(entry)));
    }
    for (const entry of [...posts, ...puts, ...gets]) await this.execute(entry, requests.get(entry.index));
    return { resourceType: 'Bundle', type: 'transaction-response', entry: this.entries.map((e) => this.results[e.index] ?? {}) };
  }

  /** Runs one entry through the router inside the unit of work; a failure aborts the transaction. */
  private async execute(entry: BatchEntry, request: FhirRequest = entry.request): Promise<void> {
    const assignment = entry.fullUrl ? this.assignments.get(entry.fullUrl) : undefined;
    const newId = assignment?.newId;
    const deps: FhirUnitDeps = newId && request.method === 'POST' ? { ...this.unit, newId: () => newId } : this.unit;
    if (newId && request.method === 'POST') {
      // The conditional create was decided when the id was assigned; do not search again.
      const { ifNoneExist: _decided, ...headers } = request.headers;
      request = { ...request, headers };
    }
    const response = await this.failing(entry, () => this.dispatch(request, deps));
    if (response.status >= 400) {
      const body = response.body?.resourceType === 'OperationOutcome' ? (response.body as OperationOutcome) : undefined;
      throw entryFailure(entry, response.status, body?.issue ?? [issue('processing', `status ${response.status}`)]);
    }
    this.checkSingleWrite(entry, response);
    this.results[entry.index] = responseEntry(response, this.unit.settings, request.method === 'HEAD');
  }

  /** FHIR R4 http.html#trules: one resource identity may appear only once among the writes. */
  private checkSingleWrite(entry: BatchEntry, response: FhirResponse): void {
    const { method, path } = entry.request;
    if (method === 'GET' || method === 'HEAD') return;
    const location = response.headers?.Location;
    const identity = location
      ? location.slice(this.unit.settings.baseUrl.length + 1).replace(/\/_history\/[^/]+$/, '')
      : method === 'DELETE' && TYPE_AND_ID.test(path) ? path : undefined;
    if (!identity) return;
    const earlier = this.written.get(identity);
    if (earlier !== undefined) {
      throw entryFailure(entry, 400, [issue('invalid', `${identity} is also written by Bundle.entry[${earlier}]; a transaction may touch a resource once`)]);
    }
    this.written.set(identity, entry.index);
  }

  /** Gives a placeholder fullUrl its server identity: a new id, or the match of a conditional create/update. */
  private async assignIdentity(entry: BatchEntry): Promise<void> {
    const { fullUrl, request } = entry;
    if (!fullUrl || !isPlaceholder(fullUrl)) return;
    const { route, interaction } = resolveRoute(request.method, request.path, this.unit);
    const resourceType = route.resourceType;
    if (!resourceType) return;
    // An update or a patch of a named resource: the placeholder stands for that resource.
    if ((interaction === 'update' || interaction === 'patch') && route.id) {
      this.assignments.set(fullUrl, { reference: `${resourceType}/${route.id}` });
      return;
    }
    const criteria = interaction === 'create' ? request.headers.ifNoneExist : interaction === 'conditional-update' ? request.query : undefined;
    if (interaction !== 'create' && criteria === undefined) return;
    // No criteria at all: leave it to the interaction, which refuses it.
    if (typeof criteria === 'string' ? criteria.replace(/^.*\?/, '').trim() === '' : criteria?.length === 0) return;
    // Matched as the entry's own interaction would match: nothing outside the caller's reach.
    const matches = criteria === undefined ? [] : await findByCriteria(resourceType, criteria, unitFor(interaction, route, this.unit));
    if (matches.length > 1) {
      throw new FhirError(412, issue('multiple-matches', `The conditional criteria match ${matches.length} ${resourceType} resources`));
    }
    const match = matches[0];
    if (match) {
      this.assignments.set(fullUrl, { reference: `${resourceType}/${match.id}` });
    } else {
      const id = interaction === 'conditional-update' ? this.bodyId(request) ?? this.unit.newId() : this.unit.newId();
      this.assignments.set(fullUrl, { reference: `${resourceType}/${id}`, newId: id });
    }
  }

  private bodyId(request: FhirRequest): string | undefined {
    const id = (request.body as { id?: unknown } | undefined)?.id;
    return typeof id === 'string' ? id : undefined;
  }

  /** The entry's request with placeholder and conditional references replaced by `Type/id`. */
  private async rewrite(entry: BatchEntry): Promise<FhirRequest> {
    const { request } = entry;
    const query = request.query.map(([k, v]): [string, string] => [k, this.assignments.get(v)?.reference ?? v]);
    let body = request.body;
    if (body !== undefined) {
      body = await rewriteReferences(body, (ref) => this.resolveReference(ref), (text) => this.replaceInText(text));
      // A conditional update that created its placeholder's id must store exactly that id.
      const assignment = entry.fullUrl ? this.assignments.get(entry.fullUrl) : undefined;
      if (assignment?.newId && request.method === 'PUT' && typeof body === 'object' && body !== null) {
        body = { ...body, id: assignment.newId };
      }
    }
    return { ...request, query, ...(body !== undefined ? { body } : {}) };
  }

  private async resolveReference(reference: string): Promise<string | undefined> {
    const assigned = this.assignments.get(reference);
    if (assigned) return assigned.reference;
    // Conditional reference `Patient?identifier=…` (FHIR R4 http.html#trules): exactly one match.
    const m = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference);
    if (!m?.[1] || !m[2] || !this.unit.definitions.resourceTypes.has(m[1])) return undefined;
    const cached = this.conditionalReferences.get(reference);
    if (cached) return cached;
    // Resolved as the caller's own search would be: nothing outside its reach matches (no existence oracle).
    const matches = await findByCriteria(m[1], m[2], unitFor('search-type', { resourceType: m[1] }, this.unit));
    if (matches.length !== 1) {
      throw matches.length === 0
        ? new FhirError(400, issue('not-found', `The conditional reference '${reference}' matches no resource`))
        : new FhirError(412, issue('multiple-matches', `The conditional reference '${reference}' matches ${matches.length} resources`));
    }
    const resolved = `${m[1]}/${matches[0]?.id}`;
    this.conditionalReferences.set(reference, resolved);
    return resolved;
  }

  private replaceInText(text: string): string {
    let out = text;
    for (const [placeholder, { reference }] of this.assignments) out = out.replaceAll(placeholder, reference);
    return out;
  }

  /** Runs a step for an entry; a FhirError it throws becomes the transaction's error, naming the entry. */
  private async failing<T>(entry: BatchEntry, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      if (err instanceof FhirError && !(err instanceof EntryFailure)) throw entryFailure(entry, err.status, err.outcome.issue);
      throw err;
    }
  }
}

/** A FhirError already labelled with its entry. */
class EntryFailure extends FhirError {}

function entryFailure(entry: BatchEntry, status: number, issues: OperationOutcome['issue']): FhirError {
  const where = `Transaction failed at Bundle.entry[${entry.index}] (${entry.label})`;
  return new EntryFailure(
    status,
    issues.map((i) => ({ ...i, diagnostics: i.diagnostics ? `${where}: ${i.diagnostics}` : where })),
  );
}
