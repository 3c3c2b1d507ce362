// A redis-server of a scenario's own (TCP on a free loopback port, append-only in a temp dir),
// so the scenario can stop it, start it again on the same port with the same data, or share it
// between two service instances, without touching any other test's Redis.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, ownChild } from '../server-process.js';
import { until } from './wait.js';

export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly running: boolean;
  /** The redis-server's pid while it runs (a benchmark reads its CPU). */
  readonly pid: number | undefined;
  /** Graceful stop (SIGTERM: redis-server writes its append-only file and exits). */
  stop(): Promise<void>;
  /** Start again on the same port with the same data. */
  start(): Promise<void>;
  /** A client for reading keys (the scheduler's lease); closed by close(). */
  client(): Redis;
  /** Stop it and remove its data. */
  close(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'giaoban-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let server: ReturnType<typeof spawn> | undefined;
  let reader: Redis | undefined;
  const alive = () => server !== undefined && server.exitCode === null && server.signalCode === null;

  const start = async () => {
    if (alive()) return;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--logfile', join(dir, 'redis.log'));
    const child = ownChild(spawn('redis-server', args, { stdio: 'ignore' }));
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    server = child;
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // not listening yet: the loop below asks again
    try {
      await until(
        `redis-server on port ${port}`,
        async () => {
          if (spawnError) throw new Error(`redis-server could not be started: ${spawnError.message}`);
          if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${dir}`);
          try {
            if (probe.status !== 'ready') await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            return false; // not accepting connections yet
          }
        },
        { timeoutMs: 10_000, everyMs: 50 },
      );
    } finally {
      probe.disconnect();
    }
  };
  const stop = async () => {
    const child = server;
    if (!child || !alive()) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  await start();
  return {
    url,
    port,
    dir,
    get running() {
      return alive();
    },
    get pid() {
      return alive() ? server?.pid : undefined;
    },
    stop,
    start,
    client: () => {
      if (!reader) {
        reader = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 100, 1000) });
        reader.on('error', () => undefined); // reads fail while the scenario keeps Redis down
      }
      return reader;
    },
    close: async () => {
      reader?.disconnect();
      if (server && alive()) {
        server.kill('SIGKILL');
        await once(server, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
