import type { Condition, DateValue, NumberValue, QuantityValue, ReferenceValue, TokenValue } from '../../fhir/search/search-request.ts';
import { escapeLike, type SqlParams } from './sql-params.ts';

/** The resource a condition tests: the outer `resource r` row, or a chained reference's target. */
export interface Owner {
  type: string;
  id: string;
  /** The alias of a `resource` row holding it (for `_lastUpdated`), when there is one. */
  resource?: string;
}

/** What a simple condition tests: rows of one parameter in one index table (negate: none may match). */
interface IndexTest {
  table: string;
  param: string;
  predicate?: string;
  negate: boolean;
}

const any = (parts: string[]) => (parts.length === 0 ? 'FALSE' : parts.length === 1 ? (parts[0] ?? 'FALSE') : `(${parts.join(' OR ')})`);

/** The index-table test of a condition; undefined for `_id`, `_lastUpdated` and chains. Predicates use alias `x`. */
function indexTest(condition: Condition, p: SqlParams): IndexTest | undefined {
  const test = (table: string, param: string, predicate?: string, negate = false): IndexTest =>
    predicate === undefined ? { table, param, negate } : { table, param, predicate, negate };
  switch (condition.kind) {
    case 'missing':
      return test(condition.table, condition.param, undefined, condition.missing);
    case 'token':
      return test('token', condition.param, tokenSql(condition.values, p), condition.not);
    case 'token-text':
      return test('token', condition.param, any(condition.values.flatMap((v) => {
        const word = escapeLike(v);
        // Both sides folded (index-values.ts, token.ts): a word starting the display or any word in it.
        return [`x.display LIKE ${p.add(`${word}%`)} ESCAPE '\\'`, `x.display LIKE ${p.add(`% ${word}%`)} ESCAPE '\\'`];
      })));
    case 'string':
      return test('string', condition.param, any(condition.values.map((v) => {
        if (condition.mode === 'exact') return `x.raw = ${p.add(v)}`;
        if (condition.mode === 'text') {
          const word = escapeLike(v);
          return `(x.value LIKE ${p.add(`${word}%`)} ESCAPE '\\' OR x.value LIKE ${p.add(`% ${word}%`)} ESCAPE '\\')`;
        }
        const pattern = condition.mode === 'contains' ? `%${escapeLike(v)}%` : `${escapeLike(v)}%`;
        return `x.value LIKE ${p.add(pattern)} ESCAPE '\\'`;
      })));
    case 'reference':
      return test('reference', condition.param, any(condition.values.map((v) => referenceSql(v, p))));
    case 'date':
      return test('date', condition.param, any(condition.values.map((v) => rangeDateSql(v, p))));
    case 'number':
      return test('number', condition.param, any(condition.values.map((v) => numberSql(v, p))));
    case 'quantity':
      return test('quantity', condition.param, any(condition.values.map((v) => quantitySql(v, p))));
    case 'uri':
      return test('uri', condition.param, any(condition.values.map((v) => {
        if (condition.mode === 'exact') return `x.value = ${p.add(v)}`;
        if (condition.mode === 'below') {
          const base = v.replace(/\/$/, '');
          return `(x.value = ${p.add(base)} OR x.value LIKE ${p.add(`${escapeLike(base)}/%`)} ESCAPE '\\')`;
        }
        // :above — the stored value is the search value or one of its parent paths.
        const value = p.add(v);
        return `(x.value = ${value} OR left(${value}, length(x.value) + 1) = rtrim(x.value, '/') || '/')`;
      })));
    default:
      return undefined;
  }
}

/**
 * The ids of resources of the given type(s) matching a positive condition, as an uncorrelated
 * subquery PostgreSQL runs once through the (type, param, value) indexes: a plan that stays
 * good even before the tables have statistics. Undefined when the condition cannot drive.
 */
export function matchingIdsSql(condition: Condition, typeTest: string, p: SqlParams): string | undefined {
  // Decide before binding anything: an unused bound parameter is an error in PostgreSQL.
  if (!canDrive(condition)) return undefined;
  if (condition.kind === 'chain') {
    const c = p.alias('c');
    const inner = matchingIdsSql(condition.condition, `= ANY(${p.add(condition.targetTypes, 'text[]')})`, p) ?? '';
    // Several target types could share an id: then also check the pair.
    const exact = condition.targetTypes.length > 1
      ? ` AND ${conditionSql(condition.condition, { type: `${c}.target_type`, id: `${c}.target_id` }, p)}`
      : '';
    return `SELECT ${c}.id FROM search_reference ${c} WHERE ${c}.tenant = $1 AND ${c}.resource_type ${typeTest}
      AND ${c}.param = ${p.add(condition.param)} AND ${c}.target_type = ANY(${p.add(condition.targetTypes, 'text[]')})
      AND ${localTarget(c, condition.baseUrl, p)} AND ${c}.target_id = ANY(ARRAY(${inner}))${exact}`;
  }
  if (condition.kind === 'has') {
    const h = p.alias('h');
    const sourceType = p.add(condition.sourceType);
    const inner = matchingIdsSql(condition.condition, `= ${sourceType}`, p) ?? '';
    return `SELECT ${h}.target_id FROM search_reference ${h} WHERE ${h}.tenant = $1 AND ${h}.resource_type = ${sourceType}
      AND ${h}.param = ${p.add(condition.param)} AND ${h}.target_type ${typeTest} AND ${localTarget(h, condition.baseUrl, p)}
      AND ${h}.id = ANY(ARRAY(${inner}))`;
  }
  if (condition.kind === 'id') {
    return `SELECT y.id FROM resource y WHERE y.tenant = $1 AND y.resource_type ${typeTest} AND y.id = ANY(${p.add(condition.ids, 'text[]')})`;
  }
  const test = indexTest(condition, p);
  if (!test || test.negate) return undefined;
  const x = p.alias('x');
  const predicate = test.predicate ? ` AND (${test.predicate.replaceAll('x.', `${x}.`)})` : '';
  return `SELECT ${x}.id FROM search_${test.table} ${x} WHERE ${x}.tenant = $1 AND ${x}.resource_type ${typeTest} AND ${x}.param = ${p.add(test.param)}${predicate}`;
}

/** Positive conditions on indexed values (or ids) can produce their match set on their own. */
function canDrive(condition: Condition): boolean {
  switch (condition.kind) {
    case 'id': return !condition.not && condition.ids.length > 0;
    case 'lastUpdated': return false;
    case 'any-of': return false;
    case 'partition': return false;
    case 'missing': return !condition.missing;
    case 'token': return !condition.not;
    case 'chain': return canDrive(condition.condition);
    case 'has': return canDrive(condition.condition);
    default: return true;
  }
}

/**
 * Compiles one typed condition to a predicate on its owner: correlated subqueries probing the
 * owner indexes. `OFFSET 0` keeps each one a per-row probe: flattened into a join, a planner
 * without statistics picks nested loops over whole tables. `$1` is always the tenant.
 */
export function conditionSql(condition: Condition, owner: Owner, p: SqlParams): string {
  switch (condition.kind) {
    case 'id': {
      const match = condition.ids.length === 0 ? 'FALSE' : `${owner.id} = ANY(${p.add(condition.ids, 'text[]')})`;
      return condition.not ? `NOT ${match}` : match;
    }
    case 'lastUpdated': {
      const column = owner.resource ? `${owner.resource}.last_updated` : 'y.last_updated';
      const predicate = any(condition.values.map((v) => pointDateSql(column, v, p)));
      if (owner.resource) return predicate;
      return `EXISTS (SELECT 1 FROM resource y WHERE y.tenant = $1 AND y.resource_type = ${owner.type} AND y.id = ${owner.id} AND NOT y.deleted AND ${predicate} OFFSET 0)`;
    }
    case 'partition':
      return `mod(hashtext(${owner.id}) & 2147483647, ${p.add(condition.of, 'integer')}) = ${p.add(condition.part, 'integer')}`;
    case 'any-of': {
      const groups = condition.groups.map((g) => (g.length === 0 ? 'TRUE' : `(${g.map((c) => conditionSql(c, owner, p)).join(' AND ')})`));
      return any(groups);
    }
    case 'chain': {
      const c = p.alias('c');
      const inner = conditionSql(condition.condition, { type: `${c}.target_type`, id: `${c}.target_id` }, p);
      return `EXISTS (SELECT 1 FROM search_reference ${c} WHERE ${c}.tenant = $1 AND ${c}.resource_type = ${owner.type}
        AND ${c}.id = ${owner.id} AND ${c}.param = ${p.add(condition.param)}
        AND ${c}.target_type = ANY(${p.add(condition.targetTypes, 'text[]')}) AND ${localTarget(c, condition.baseUrl, p)} AND ${inner} OFFSET 0)`;
    }
    case 'has': {
      // Some resource of sourceType references the owner through param, and itself matches the inner condition.
      const h = p.alias('h');
      const sourceType = p.add(condition.sourceType);
      const inner = conditionSql(condition.condition, { type: sourceType, id: `${h}.id` }, p);
      return `EXISTS (SELECT 1 FROM search_reference ${h} WHERE ${h}.tenant = $1 AND ${h}.resource_type = ${sourceType}
        AND ${h}.param = ${p.add(condition.param)} AND ${h}.target_type = ${owner.type} AND ${h}.target_id = ${owner.id}
        AND ${localTarget(h, condition.baseUrl, p)} AND ${inner} OFFSET 0)`;
    }
    default: {
      const test = indexTest(condition, p);
      if (!test) return 'FALSE';
      const x = p.alias('x');
      const where = `${x}.tenant = $1 AND ${x}.resource_type = ${owner.type} AND ${x}.id = ${owner.id} AND ${x}.param = ${p.add(test.param)}`;
      const body = test.predicate ? `${where} AND (${test.predicate.replaceAll('x.', `${x}.`)})` : where;
      return `${test.negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM search_${test.table} ${x} WHERE ${body} OFFSET 0)`;
    }
  }
}

function tokenSql(values: TokenValue[], p: SqlParams): string {
  const parts: string[] = [];
  // Plain codes, the common case, become one `= ANY` the code index serves.
  const codes = values.filter((v) => v.system === undefined && v.code !== undefined).map((v) => v.code as string);
  if (codes.length > 0) parts.push(`x.code = ANY(${p.add(codes, 'text[]')})`);
  for (const v of values) {
    if (v.system === undefined) continue;
    const system = v.system === null ? 'x.system IS NULL' : `x.system = ${p.add(v.system)}`;
    parts.push(v.code === undefined ? system : `(${system} AND x.code = ${p.add(v.code)})`);
  }
  return parts.length === 1 ? (parts[0] ?? 'FALSE') : `(${parts.join(' OR ')})`;
}

function referenceSql(v: ReferenceValue, p: SqlParams): string {
  if (v.kind === 'url') return `x.target_url = ${p.add(v.url)}`;
  // A local target; an absolute reference counts when it is on our own base.
  const id = `x.target_id = ${p.add(v.id)}`;
  if (v.type) {
    return `(${id} AND x.target_type = ${p.add(v.type)} AND (x.target_url IS NULL OR x.target_url = ${p.add(`${v.baseUrl}/${v.type}/${v.id}`)}))`;
  }
  return `(${id} AND (x.target_url IS NULL OR x.target_url LIKE ${p.add(`${escapeLike(v.baseUrl)}/%`)} ESCAPE '\\'))`;
}

/** Prefix semantics on ranges (FHIR R4 search.html#prefix): target [x.low, x.high), value [lo, hi); null = open. */
function rangeDateSql(v: DateValue, p: SqlParams): string {
  // Bind only what the prefix uses: an unused parameter has no type PostgreSQL can infer.
  const lo = lazy(() => p.add(v.low, 'timestamptz'));
  const hi = lazy(() => p.add(v.high, 'timestamptz'));
  const eq = () => `(x.low >= ${lo()} AND x.high <= ${hi()})`;
  const gt = () => `(x.high IS NULL OR x.high > ${hi()})`;
  const lt = () => `(x.low IS NULL OR x.low < ${lo()})`;
  switch (v.prefix) {
    case 'eq': return eq();
    case 'ne': return `NOT COALESCE(${eq()}, FALSE)`;
    case 'gt': return gt();
    case 'lt': return lt();
    case 'ge': return `(${gt()} OR ${eq()})`;
    case 'le': return `(${lt()} OR ${eq()})`;
    case 'sa': return `x.low >= ${hi()}`;
    case 'eb': return `x.high <= ${lo()}`;
    case 'ap': return `((x.low IS NULL OR x.low < ${hi()}) AND (x.high IS NULL OR x.high > ${lo()}))`;
  }
}

/** The same prefixes on an instant (`_lastUpdated`). */
function pointDateSql(column: string, v: DateValue, p: SqlParams): string {
  const lo = lazy(() => p.add(v.low, 'timestamptz'));
  const hi = lazy(() => p.add(v.high, 'timestamptz'));
  switch (v.prefix) {
    case 'eq':
    case 'ap': return `(${column} >= ${lo()} AND ${column} < ${hi()})`;
    case 'ne': return `NOT (${column} >= ${lo()} AND ${column} < ${hi()})`;
    case 'gt':
    case 'sa': return `${column} >= ${hi()}`;
    case 'lt':
    case 'eb': return `${column} < ${lo()}`;
    case 'ge': return `${column} >= ${lo()}`;
    case 'le': return `${column} < ${hi()}`;
  }
}

/**
 * Numbers (FHIR R4 search.html#number): `eq`/`ne` test the stored value against the range the search
 * value's precision implies (`100` is [99.5, 100.5)); `gt`/`lt`/`ge`/`le` compare with the value itself
 * ("greater than exactly 100"); `sa`/`eb` need the stored value's own precision range wholly above or
 * below the search range (search.html#prefix: the ranges do not overlap).
 */
function numberSql(v: NumberValue, p: SqlParams): string {
  const value = lazy(() => p.add(v.value, 'numeric'));
  const low = lazy(() => p.add(v.low, 'numeric'));
  const high = lazy(() => p.add(v.high, 'numeric'));
  switch (v.prefix) {
    case 'eq': return `(x.value >= ${low()} AND x.value < ${high()})`;
    case 'ne': return `NOT (x.value >= ${low()} AND x.value < ${high()})`;
    case 'gt': return `x.value > ${value()}`;
    case 'lt': return `x.value < ${value()}`;
    case 'sa': return `x.low >= ${high()}`;
    case 'eb': return `x.high <= ${low()}`;
    case 'ge': return `x.value >= ${value()}`;
    case 'le': return `x.value <= ${value()}`;
    case 'ap': return `(x.value >= ${value()} - abs(${value()}) * 0.1 AND x.value <= ${value()} + abs(${value()}) * 0.1)`;
  }
}

function quantitySql(v: QuantityValue, p: SqlParams): string {
  const parts = [numberSql(v, p)];
  if (v.system) parts.push(`x.system = ${p.add(v.system)}`);
  if (v.code) parts.push(v.system ? `x.code = ${p.add(v.code)}` : `(x.code = ${p.add(v.code)} OR x.unit = ${p.add(v.code)})`);
  return `(${parts.join(' AND ')})`;
}

/** A bound parameter added on first use, then reused. */
function lazy(bind: () => string): () => string {
  let placeholder: string | undefined;
  return () => (placeholder ??= bind());
}

/** The reference row points at a resource here: relative, or absolute on our own base. */
export function localTarget(alias: string, baseUrl: string, p: SqlParams): string {
  return `(${alias}.target_url IS NULL OR ${alias}.target_url LIKE ${p.add(`${escapeLike(baseUrl)}/%`)} ESCAPE '\\')`;
}
