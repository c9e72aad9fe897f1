import type { AccessConstraints, FhirAccess } from '../access/access-port.ts';
import { FhirError, issue } from '../outcome.ts';
import type { HistoryPage, ResourceReader, ResourceRepository, ResourceWriter } from '../repository.ts';
import type { Resource, ResourceRecord } from '../resource.ts';
import { meetsConstraints, meetsWriteConstraints, type MatchDeps } from './constraint-match.ts';
import { constraintCondition } from './constraint-condition.ts';
import { withinReach } from './linked-reach.ts';

/** What one request may reach: its own type's constraints, and decisions for every other type it touches. */
export interface RequestReach {
  access: FhirAccess;
  /** The request's resource type and the constraints its decision set on it. */
  resourceType: string | undefined;
  constraints: AccessConstraints;
  match: MatchDeps;
}

export const forbidden = (diagnostics: string) => new FhirError(403, issue('forbidden', diagnostics));

/**
 * The constraints on a type: the request's own for its type; for any other type (an `_include`d
 * resource, say), what reading it would be allowed. Undefined = not reachable at all.
 */
function constraintsOn(reach: RequestReach, resourceType: string): AccessConstraints | undefined {
  if (resourceType === reach.resourceType) return reach.constraints;
  const decision = reach.access.decide({ interaction: 'read', resourceType });
  return decision.allowed ? decision.constraints : undefined;
}

function reachable(reach: RequestReach, record: ResourceRecord): boolean {
  const constraints = constraintsOn(reach, record.resourceType);
  if (!constraints) return false;
  // A deleted version is a stub without data: under constraints nothing shows it belongs to the caller.
  if (record.deleted) return constraints.kind === 'none';
  return meetsConstraints(record.resource, constraints, reach.match);
}

/**
 * What a read may see: a resource (or version) outside the caller's reach is not there for it, so the
 * answer is the 404 of a resource that never existed: a 403, or the 410 of a deletion, would tell
 * that it exists (security catalogue K1). A deleted version is seen only where nothing constrains its type.
 */
function visible(reach: RequestReach, record: ResourceRecord | undefined): ResourceRecord | undefined {
  return record && reachable(reach, record) ? record : undefined;
}

/** Whether the caller may write this resource: as its constraints on the type say for a write. */
function writable(reach: RequestReach, resource: Resource): boolean {
  const constraints = constraintsOn(reach, resource.resourceType);
  return constraints !== undefined && meetsWriteConstraints(resource, constraints, reach.match);
}

/**
 * What a write may replace: a live resource the caller could not write is refused (403), never
 * overwritten or deleted: one outside its reach, or one that is also in another patient's record. A
 * write cannot answer "not there" instead: an update would create.
 */
function replaceable(reach: RequestReach, record: ResourceRecord | undefined): void {
  if (record && !record.deleted && !writable(reach, record.resource)) {
    throw forbidden(`${record.resourceType}/${record.id} is outside what the access token may write`);
  }
}

function constrainReader<R extends ResourceReader>(inner: R, reach: RequestReach): ResourceReader {
  return {
    async read(resourceType, id) {
      return visible(reach, await inner.read(resourceType, id));
    },
    async vread(resourceType, id, versionId) {
      return visible(reach, await inner.vread(resourceType, id, versionId));
    },
    async search(request) {
      const type = request.resourceType;
      // Chains and _has reach other types: each must be readable, and counts only what the caller could read.
      let conditions = request.conditions?.map((condition) => withinReach(condition, (linked) => constraintsOn(reach, linked), reach.match));
      if (type !== undefined) {
        const constraints = constraintsOn(reach, type);
        if (!constraints) throw forbidden(`no granted scope reaches ${type}`);
        const condition = constraintCondition(constraints, reach.match, type);
        if (condition) conditions = [...(conditions ?? []), condition];
      } else if (reach.constraints.kind !== 'none') {
        throw forbidden('a search across all types is not available under constrained scopes');
      }
      const result = await inner.search({ ...request, ...(conditions ? { conditions } : {}) });
      // _include/_revinclude may reach any type: each included resource is decided on its own.
      return { ...result, included: result.included.filter((r) => reachable(reach, r)) };
    },
    async history(request): Promise<HistoryPage> {
      const page = await inner.history(request);
      if (reach.constraints.kind === 'none') return page;
      const entries = page.entries.filter((r) => reachable(reach, r));
      // The unfiltered total would count what the caller may not see.
      const { total: _total, ...rest } = page;
      return { ...rest, entries };
    },
  };
}

export function constrainWriter(inner: ResourceWriter, reach: RequestReach): ResourceWriter {
  const reader = constrainReader(inner, reach);
  return {
    ...reader,
    async save(input) {
      const resource = input.resource;
      if (!writable(reach, resource)) {
        throw forbidden(`the ${resource.resourceType} to write is outside what the access token may write`);
      }
      // The version it replaces must be writable too.
      if (resource.id !== undefined) replaceable(reach, await inner.read(resource.resourceType, resource.id));
      return inner.save(input);
    },
    async delete(resourceType, id, ifMatchVersion) {
      replaceable(reach, await inner.read(resourceType, id));
      return inner.delete(resourceType, id, ifMatchVersion);
    },
  };
}

/** The repository (and unit-of-work writer) a constrained request runs on. */
export function constrainRepository(inner: ResourceRepository, reach: RequestReach): ResourceRepository {
  return {
    ...constrainReader(inner, reach),
    transaction: (fn) => inner.transaction((writer) => fn(constrainWriter(writer, reach))),
  };
}
