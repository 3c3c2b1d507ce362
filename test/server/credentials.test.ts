import t from 'tap';
import { loadRoster } from '../../config/roster.js';
import { createLogger } from '../../kernel/logger.js';
import { SiteCredentials } from '../../server/credentials.js';
import { MemoryStore } from '../../store/memory.js';

const logger = createLogger('silent');

const roster = loadRoster(undefined);

t.test('a join link carries a token that verifies as its site', async (t) => {
  const store = new MemoryStore();
  const creds = await SiteCredentials.create(store, roster, () => 'https://giaoban.example.vn', logger);
  const link = await creds.joinLink('bac-ninh');
  t.match(link, /^https:\/\/giaoban\.example\.vn\/join\/bac-ninh#token=bac-ninh\.[A-Za-z0-9_-]{32}$/);
  const token = new URL(link).hash.replace('#token=', '');
  t.equal((await creds.verify(token)).site.id, 'bac-ninh');
  t.equal(await creds.joinLink('bac-ninh'), link, 'the operator can get the same link again');
});

t.test('the token is not stored anywhere in clear', async (t) => {
  const store = new MemoryStore();
  const creds = await SiteCredentials.create(store, roster, () => 'http://localhost:3000', logger);
  const token = await creds.tokenFor('thua-thien-hue');
  const mac = token.split('.')[1] ?? '';
  t.not(await store.getSecret('server-secret'), undefined);
  t.notMatch(JSON.stringify([...(await store.getSiteStatuses())]), mac);
  t.equal(await store.getCredentialVersion('thua-thien-hue'), 1);
});

t.test('after re-issue the old token is refused and the new one accepted', async (t) => {
  const store = new MemoryStore();
  const creds = await SiteCredentials.create(store, roster, () => 'http://localhost:3000', logger);
  const old = await creds.tokenFor('ca-mau');
  const link = await creds.reissue('ca-mau');
  const fresh = new URL(link).hash.replace('#token=', '');
  t.not(fresh, old);
  await t.rejects(creds.verify(old), { code: 'unauthorized', message: /re-issued/ });
  t.equal((await creds.verify(fresh)).site.id, 'ca-mau');
});

t.test('a token for one site never validates for another', async (t) => {
  const store = new MemoryStore();
  const creds = await SiteCredentials.create(store, roster, () => 'http://localhost:3000', logger);
  const a = await creds.tokenFor('ha-giang');
  const mac = a.split('.')[1];
  await t.rejects(creds.verify(`cao-bang.${mac}`), { code: 'unauthorized' });
  for (const bad of ['', 'nonsense', '.abc', 'ha-giang.', `nowhere.${mac}`, 42, null, 'x'.repeat(500)]) {
    await t.rejects(creds.verify(bad), { code: 'unauthorized' }, `refuses ${JSON.stringify(bad).slice(0, 20)}`);
  }
});

t.test('two instances on one store agree on tokens', async (t) => {
  const store = new MemoryStore();
  const a = await SiteCredentials.create(store, roster, () => 'http://localhost:3000', logger);
  const b = await SiteCredentials.create(store, roster, () => 'http://localhost:3000', logger);
  t.equal(await a.tokenFor('hub'), await b.tokenFor('hub'));
  await a.reissue('hub');
  await t.rejects(b.verify(await b.tokenFor('hub').then(() => 'hub.x')), { code: 'unauthorized' });
  t.equal((await b.verify(await a.tokenFor('hub'))).site.id, 'hub', 'a re-issue on one instance holds on the other');
});

t.test('unknown sites are a not_found', async (t) => {
  const creds = await SiteCredentials.create(new MemoryStore(), roster, () => 'http://localhost:3000', logger);
  await t.rejects(creds.joinLink('atlantis'), { code: 'not_found', message: /atlantis/ });
  await t.rejects(creds.reissue('atlantis'), { code: 'not_found' });
});
