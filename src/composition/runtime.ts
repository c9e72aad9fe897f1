import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';

/** What every wing is built with besides its settings: the clock and the id source (tests give their own), and the app's logger. */
export interface Runtime {
  now: () => Date;
  newId: () => string;
  /** The app's logger. Wings are built before the app, so they reach it only when they log, never while being built. */
  log: () => FastifyBaseLogger;
}

export interface RuntimeOverrides {
  now?: () => Date;
  newId?: () => string;
}

/** A runtime whose logger is attached once the app exists. */
export function createRuntime(overrides: RuntimeOverrides): Runtime & { attachLog(logger: FastifyBaseLogger): void } {
  let logger: FastifyBaseLogger | undefined;
  return {
    now: overrides.now ?? (() => new Date()),
    newId: overrides.newId ?? randomUUID,
    log: () => {
      if (!logger) throw new Error('the app logger is used before the app is built');
      return logger;
    },
    attachLog: (appLogger) => {
      logger = appLogger;
    },
  };
}
