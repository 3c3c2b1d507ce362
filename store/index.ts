// Choose the store at start-up: the private redis-server (the default), the Redis at
// REDIS_URL, or memory only (STORE=memory, for tests).
import type { Config } from '../config/schema.js';
import type { Logger } from '../kernel/logger.js';
import { startEmbeddedRedis } from './embedded-redis.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { Store } from './store.js';

export type { Store } from './store.js';

export interface OpenedStore {
  readonly store: Store;
  /** Where the state lives, for the start-up log. */
  readonly where: string;
  /** Close the store, and stop the private server if it is ours. */
  close(): Promise<void>;
}

export async function openStore(
  config: Pick<Config, 'STORE' | 'REDIS_URL' | 'DATA_DIR'>,
  logger: Logger,
): Promise<OpenedStore> {
  if (config.STORE === 'memory') {
    const store = new MemoryStore();
    return { store, where: 'memory (lost at restart)', close: () => store.close() };
  }
  if (config.STORE === 'redis' && config.REDIS_URL) {
    const store = await RedisStore.create({ url: config.REDIS_URL, logger });
    return { store, where: new URL(config.REDIS_URL).host, close: () => store.close() };
  }
  const server = await startEmbeddedRedis({ dataDir: config.DATA_DIR, logger });
  try {
    const store = await RedisStore.create({ url: server.url, logger });
    return {
      store,
      where: server.dir,
      close: async () => {
        await store.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
