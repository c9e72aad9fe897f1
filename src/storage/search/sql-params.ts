/** Collects bound parameters while SQL text is built: `p.add(v)` returns its `$n`. */
export class SqlParams {
  readonly values: unknown[] = [];
  private aliases = 0;
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::${cast}` : `$${this.values.length}`;
  }
  /** A fresh table alias for a nested subquery. */
  alias(prefix: string): string {
    this.aliases += 1;
    return `${prefix}${this.aliases}`;
  }
}

/** Escapes LIKE wildcards so user text matches literally (with ESCAPE '\'). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
