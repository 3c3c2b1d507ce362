// The default store's server: a private redis-server from Debian, run by the service itself
// with append-only persistence in DATA_DIR, reached over a Unix socket only (no TCP port, no
// password to manage). So `npm start` with no settings keeps the secret behind every join
// link, the operator token, sessions, results and the event log across a restart, a kill -9
// (the server runs in its own process group and outlives the service; the next start finds
// it and uses it) and a reboot (the append-only file is replayed). The service runs the same
// Redis store code on the day as in a production deployment with REDIS_URL.
import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { ConfigError } from '../config/schema.js';
import type { Logger } from '../kernel/logger.js';

export interface EmbeddedRedis {
  /** The Unix socket path, for RedisStore. */
  readonly url: string;
  readonly dir: string;
  /** Shut the server down (it writes its append-only file first). */
  stop(): Promise<void>;
}

// The kernel's limit for a Unix socket path is 108 bytes.
const MAX_SOCKET_PATH = 100;

async function ping(path: string): Promise<boolean> {
  const probe = new Redis({
    path,
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // the answer is the boolean below
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false; // nothing listens there (yet)
  } finally {
    probe.disconnect();
  }
}

export async function startEmbeddedRedis(opts: { dataDir: string; logger: Logger }): Promise<EmbeddedRedis> {
  const log = opts.logger.child({ component: 'embedded-redis' });
  const dir = resolve(opts.dataDir, 'redis');
  const socket = join(dir, 'redis.sock');
  if (socket.length > MAX_SOCKET_PATH) {
    throw new ConfigError([`DATA_DIR: "${opts.dataDir}" is too long for the store's socket path; use a shorter path`]);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stop = async () => {
    const client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // SHUTDOWN drops the connection by design
    try {
      await client.connect();
      await client.call('SHUTDOWN');
    } catch (err) {
      // SHUTDOWN answers by closing the connection: an error here is the expected ending.
      log.debug({ err: (err as Error).message }, 'redis-server shut down');
    } finally {
      client.disconnect();
    }
  };
  if (await ping(socket)) {
    log.info({ dir }, 'using the private redis-server left running by an earlier start');
    return { url: socket, dir, stop };
  }
  const args = [
    '--port',
    '0',
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--pidfile',
    join(dir, 'redis.pid'),
    '--logfile',
    join(dir, 'redis.log'),
    '--daemonize',
    'no',
  ];
  const child = spawn('redis-server', args, { detached: true, stdio: 'ignore' });
  const spawned = await new Promise<Error | undefined>((done) => {
    child.once('spawn', () => done(undefined));
    child.once('error', (err) => done(err));
  });
  if (spawned) {
    throw new ConfigError([
      `STORE: the default store runs a private redis-server, which could not start (${spawned.message}). ` +
        'Run `npm start` (it installs redis-server), install it with `apt-get install redis-server`, ' +
        'set REDIS_URL to use another Redis, or set STORE=memory to keep state in memory only.',
    ]);
  }
  child.unref();
  for (let i = 0; i < 100; i++) {
    if (await ping(socket)) {
      log.info({ dir, pid: child.pid }, 'private redis-server started');
      return { url: socket, dir, stop };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const logFile = join(dir, 'redis.log');
  const hasLog = await stat(logFile).then(
    () => true,
    () => false,
  );
  throw new ConfigError([`STORE: the private redis-server in ${dir} did not start${hasLog ? `; see ${logFile}` : ''}`]);
}
