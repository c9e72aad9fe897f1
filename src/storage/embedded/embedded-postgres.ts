import { chown, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { clusterPaths, ensureCluster, ensurePassword, SUPERUSER } from './cluster.ts';
import { findPostgresBinaries } from './postgres-binaries.ts';
import { assertReachable } from './reachable.ts';
import { startServer, type Listen } from './server-process.ts';
import { serverUser } from './server-user.ts';
import { claimDataDirectory, releaseDataDirectory, takeOverDataDirectory } from './stale-server.ts';

/** A PostgreSQL server this process started in DATA_DIR/postgres and stops. */
export interface EmbeddedPostgres {
  /** A `postgres://` URL for openPostgres. */
  url: string;
  /** Where it is, for the start banner. */
  description: string;
  /** How long each step of starting it took, milliseconds. */
  timings: { initdb: number; start: number };
  /** Pid of a server left running by a killed Portico, stopped before this one started. */
  stoppedLeftover?: number;
  /** Fast shutdown; resolves once the server has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Connections the server accepts: the pools' sizes and some room for maintenance. */
  maxConnections: number;
  /** Work for this process while the server's programs run in theirs (called once, when initdb or the server has just been started). */
  whileStarting?: () => void;
}

/** The server's Unix socket path must fit `sockaddr_un.sun_path` (108 bytes with its terminating NUL). */
const SOCKET_PATH_MAX = 107;
const SOCKET_PORT = 5432;

/**
 * Starts the embedded server: creates the cluster on first start, handles a leftover server of a killed Portico,
 * runs the server as a child of this process (as an unprivileged user when this is root), and waits until it
 * accepts connections. Connections go through a Unix socket in the data directory, faster than TCP and reachable
 * only by the server's user (and root); where the socket's path would be too long, or on Windows, through a free
 * loopback port with the superuser's password.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const paths = clusterPaths(dataDir);
  const bins = await findPostgresBinaries();
  const user = await serverUser();
  await mkdir(dataDir, { recursive: true });
  if (user) await assertReachable(paths.pgdata, user);
  const stoppedLeftover = await takeOverDataDirectory(paths, options.dataDir);

  let pending = options.whileStarting;
  const meanwhile = () => {
    const work = pending;
    pending = undefined;
    work?.();
  };
  let mark = performance.now();
  await ensureCluster(paths, bins, user, meanwhile);
  const initdb = performance.now() - mark;
  // The data directory may have been copied in by another user: the server's user must own it.
  if (user) await chown(paths.pgdata, user.uid, user.gid);

  const socketPath = join(paths.pgdata, `.s.PGSQL.${SOCKET_PORT}`);
  const listen: Listen =
    process.platform !== 'win32' && Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX
      ? { socketDir: paths.pgdata, port: SOCKET_PORT }
      : { host: '127.0.0.1', port: await freeLoopbackPort() };
  mark = performance.now();
  await claimDataDirectory(paths);
  let server;
  try {
    server = await startServer(bins, paths.pgdata, { listen, maxConnections: options.maxConnections }, user, meanwhile);
  } catch (err) {
    await releaseDataDirectory(paths);
    throw err;
  }
  const start = performance.now() - mark;
  const running = server;
  const url =
    'socketDir' in listen
      ? `postgres://${SUPERUSER}@localhost/postgres?host=${encodeURIComponent(listen.socketDir)}&port=${listen.port}`
      : `postgres://${SUPERUSER}:${encodeURIComponent(await ensurePassword(paths.passwordFile))}@${listen.host}:${listen.port}/postgres`;
  return {
    url,
    description: `embedded PostgreSQL in ${paths.pgdata}${'socketDir' in listen ? '' : ` (127.0.0.1:${listen.port})`}`,
    timings: { initdb, start },
    ...(stoppedLeftover !== undefined ? { stoppedLeftover } : {}),
    async stop() {
      await running.stop();
      await releaseDataDirectory(paths);
    },
  };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}
