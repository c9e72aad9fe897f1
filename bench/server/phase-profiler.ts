import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * CPU profiles of the measured phases only (`--profile`): the runner sends "profile-start" before a
 * run and "profile-stop <file>" after it, so seeding, warm-up of other scenarios and the references
 * served by this same process stay out of Portico's profile.
 */
let session: Session | undefined;

export async function profileCommand(command: string): Promise<{ profile: string }> {
  if (command === 'profile-start') {
    if (!session) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
    }
    await session.post('Profiler.start');
    return { profile: 'started' };
  }
  const file = command.slice('profile-stop '.length).trim();
  if (!session || !command.startsWith('profile-stop ') || !file) return { profile: 'not started' };
  const { profile } = await session.post('Profiler.stop');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(profile));
  return { profile: file };
}
