import type { Config } from '../config.ts';
import type { SandboxLauncherUser, LauncherPagesDeps } from '../http/ui/launcher-routes.ts';
import { SANDBOX_LOGINS } from '../sandbox/auth/sandbox-users.ts';
import type { AuthWing } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';

/**
 * The EHR launcher's dependencies at the root issuer: the registry's Clients, the records its launches are checked
 * against, the signing keys launches are minted with (as the RPC mints them), and in sandbox mode the published
 * demo users that exist now (never any other account) and the simulated errors.
 */
export function launcherPages(config: Config, auth: AuthWing, { now, newId }: Runtime): LauncherPagesDeps {
  const { records } = auth;
  const sandbox = config.mode === 'sandbox';
  return {
    launcher: {
      clients: auth.here.clients,
      records: { patientExists: records.patientExists, encounterBelongsTo: (encounterId, patientId) => records.directory.encounterBelongsTo(encounterId, patientId) },
      signingKeys: auth.signingKeys,
      issuer: config.baseUrl,
      fhirBaseUrl: config.fhirBaseUrl,
      now,
      newId,
      simulatedErrors: sandbox,
    },
    directory: records.directory,
    patientBanner: records.patientBanner,
    root: config.admin,
    tokens: auth.tokens,
    ...(sandbox
      ? {
          sandboxUsers: async () => {
            const users: SandboxLauncherUser[] = [];
            for (const login of SANDBOX_LOGINS) {
              const user = await auth.here.users.get(login.id);
              if (user && user.active !== false) users.push({ id: login.id, email: login.email, password: login.password, name: login.email, fhirUser: login.fhirUser });
            }
            return users;
          },
        }
      : {}),
  };
}
