import type { ConsoleExports } from '../../../auth/console/console-exports.ts';
import type { ConsoleKeys } from '../../../auth/console/console-keys.ts';
import type { ConsoleSessions } from '../../../auth/console/console-sessions.ts';

/** What the console's operations sections (keys, sessions and grants, bulk exports) run on. */
export interface OpsDeps {
  keys: ConsoleKeys;
  sessions: ConsoleSessions;
  exports: ConsoleExports;
  now: () => Date;
}
