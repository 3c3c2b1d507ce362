// Several nodes of the real service, each its own process, on one redis-server of their own:
// the cluster tests and bench:cluster start them here. Each node has its own port, media port
// and id; pages reach it at its own address (PUBLIC_URL).

import { type OwnRedis, startOwnRedis } from './faults/redis-server.js';
import { freePort, type ServerProcess, startServerProcess } from './server-process.js';

export interface Cluster {
  readonly redis: OwnRedis;
  readonly nodes: ServerProcess[];
  /** Start (again) the node with this index, the same way as before. */
  restart(i: number): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function startCluster(
  count: number,
  env: Record<string, string> = {},
  output: 'capture' | 'inherit' = 'capture',
): Promise<Cluster> {
  const redis = await startOwnRedis();
  const nodes: ServerProcess[] = [];
  const envs: Record<string, string>[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const nodeEnv = {
        CLUSTER: 'true',
        STORE: 'redis',
        REDIS_URL: redis.url,
        NODE_ID: `node-${String.fromCharCode(97 + i)}`,
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        MEDIA_WORKERS: '1',
        ...env,
      };
      envs.push(nodeEnv);
      nodes.push(await startServerProcess({ env: nodeEnv, output }));
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.kill9()));
    await redis.close();
    throw err;
  }
  return {
    redis,
    nodes,
    async restart(i) {
      const node = await startServerProcess({ env: envs[i] ?? {}, output });
      nodes[i] = node;
      return node;
    },
    async close() {
      await Promise.all(nodes.map((n) => n.kill9()));
      await redis.close();
    },
  };
}
