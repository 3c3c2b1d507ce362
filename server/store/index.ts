// Choose the store at start-up: Redis when REDIS_URL is set, else the embedded in-memory one.
import type { Logger } from '../logger.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { Store } from './store.js';

export type { Store } from './store.js';

export async function createStore(config: { REDIS_URL?: string | undefined }, logger: Logger): Promise<Store> {
  if (!config.REDIS_URL) return new MemoryStore();
  return RedisStore.create({ url: config.REDIS_URL, logger });
}
