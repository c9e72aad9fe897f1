import { createHash } from 'node:crypto';

/**
 * SQL that runs often with the same text (a primary-key read, a ledger insert). The PostgreSQL
 * driver prepares it once per connection, so later runs skip the parse and plan; PGlite runs the
 * text. Only for fixed text: every prepared statement stays on the server for the connection's life,
 * so text built from request input (searches) must never be one.
 */
export interface PreparedStatement {
  readonly text: string;
  /** Derived from the text: one name never stands for two texts. */
  readonly name: string;
}

export function prepared(text: string): PreparedStatement {
  return Object.freeze({ text, name: `portico_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` });
}
