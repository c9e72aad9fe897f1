import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedAuditEvent } from '../fhir/audit/audit-trail.ts';
import { createAuditFollower, type StoredAuditEvent } from '../storage/audit/audit-read.ts';
import type { CliIo } from './cli-io.ts';
import { loadCommandConfig, openCommandDatabase } from './command-database.ts';

const DEFAULT_POLL_MS = 1000;

export interface TailOptions {
  since: Date;
  tenant?: string;
  json: boolean;
}

/**
 * `portico audit tail`: prints each event once it is committed, from `since`, until SIGINT or SIGTERM (or
 * `io.signal`); exit code 0 then. Looks at the table every `io.tailPollMs` (src/storage/audit/audit-read.ts says
 * how events committed out of recorded order are still all printed).
 */
export async function tailAuditEvents(io: CliIo, options: TailOptions): Promise<number> {
  const config = loadCommandConfig(io.env);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (io.signal) io.signal.addEventListener('abort', onSignal, { once: true });
  else {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const db = await openCommandDatabase(config);
  try {
    const follower = createAuditFollower(db, { since: options.since, now: io.now, ...(options.tenant === undefined ? {} : { tenant: options.tenant }) });
    const whose = options.tenant === undefined ? 'every tenant' : `tenant ${options.tenant}`;
    io.stderr.write(`following the audit events of ${whose} recorded from ${options.since.toISOString()} (stop with Ctrl-C)\n`);
    while (!stop.signal.aborted && !io.signal?.aborted) {
      for (const event of await follower.poll()) io.stdout.write(`${options.json ? JSON.stringify(event.resource) : describeEvent(event)}\n`);
      await sleep(io.tailPollMs ?? DEFAULT_POLL_MS, undefined, { signal: stop.signal }).catch(() => {});
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.signal?.removeEventListener('abort', onSignal);
    await db.close();
  }
}

/**
 * One line an operator reads: when, which tenant, what (type/subtypes), action, outcome, who asked (the requestor
 * agent) and the first entity it was about.
 */
export function describeEvent(event: StoredAuditEvent): string {
  const resource = event.resource as Partial<RecordedAuditEvent>;
  const subtypes = (resource.subtype ?? []).map((c) => c.code ?? '?').join(',');
  const requestor = resource.agent?.find((a) => a.requestor) ?? resource.agent?.[0];
  const who = requestor?.who?.reference ?? requestor?.who?.display ?? requestor?.name ?? requestor?.altId ?? '-';
  const entity = resource.entity?.[0];
  const what = entity?.what?.reference ?? entity?.what?.display ?? entity?.name ?? '-';
  return [
    event.recorded,
    `tenant=${event.tenant}`,
    `type=${resource.type?.code ?? '?'}${subtypes ? `/${subtypes}` : ''}`,
    `action=${resource.action ?? '-'}`,
    `outcome=${resource.outcome ?? '-'}`,
    `agent=${who}`,
    `entity=${what}`,
  ].join(' ');
}
