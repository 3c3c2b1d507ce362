// The same contract against a real redis-server (started by `npm test`, REDIS_TEST_URL).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import t from 'tap';
import { createLogger } from '../../../kernel/logger.js';
import { RedisStore } from '../../../store/redis.js';
import { storeContract } from '../../helpers/store-contract.js';

const url = process.env.REDIS_TEST_URL;
if (!url) throw new Error('REDIS_TEST_URL is not set: run the suite with `npm test`, which starts redis-server');
const logger = createLogger('silent');

// A unique key prefix per store, so tests never see each other's keys.
storeContract(t, async () => RedisStore.create({ url, logger, prefix: `test:${randomUUID()}:`, eventLimit: 20 }));

t.test('the state survives a new connection (a restart)', async (t) => {
  const prefix = `test:${randomUUID()}:`;
  const a = await RedisStore.create({ url, logger, prefix });
  await a.bumpCredentialVersion('hue');
  await a.appendEvent({ type: 'x' });
  await a.close();
  const b = await RedisStore.create({ url, logger, prefix });
  t.equal(await b.getCredentialVersion('hue'), 2);
  t.equal((await b.listEvents()).length, 1);
  await b.deleteAll();
  await b.close();
});

t.test('an unreachable Redis gives a clear error, not a crash', async (t) => {
  await t.rejects(RedisStore.create({ url: 'redis://127.0.0.1:1', logger }), {
    code: 'store_unavailable',
    message: /REDIS_URL: cannot connect to Redis at 127.0.0.1:1/,
  });
});

t.test('an outage mid-run fails calls with store_unavailable, then recovers', async (t) => {
  // A redis-server of this test's own, so stopping it disturbs no other test.
  const port = await freePort();
  const start = () =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
  let server = start();
  const ownUrl = `redis://127.0.0.1:${port}`;
  const store = await retry(() => RedisStore.create({ url: ownUrl, logger }));
  await store.setSecret('probe', '1');
  server.kill('SIGKILL');
  await once(server, 'exit');
  await t.rejects(store.getSecret('probe'), {
    code: 'store_unavailable',
    message: /Redis is unavailable \(getSecret\)/,
  });
  server = start();
  t.teardown(() => {
    server.kill('SIGKILL');
  });
  // It reconnects by itself (the data is gone with that server; a write then a read works).
  const value = await retry(async () => {
    await store.setSecret('probe', '2');
    return store.getSecret('probe');
  });
  t.equal(value, '2', 'works again after the reconnect');
  await store.close();
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function retry<T>(fn: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
