// The load bot as a real site: the shared site client on werift against the real service.
// It joins with a link token, sends recorded simulcast and audio, gets the hub's key frame,
// reports its link like the page, and can be cut and silenced.
import t from 'tap';
import { SiteBot } from '../../bench/bots/site-bot.js';
import { startTestService } from '../helpers/service.js';

const until = async (what: string, cond: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

t.test('a hub bot and three bridge bots meet in the real service', async (t) => {
  const service = await startTestService();
  const bots: SiteBot[] = [];
  t.teardown(async () => {
    for (const b of bots) b.cut();
    await service.close();
  });
  const join = async (id: string) => {
    const bot = await SiteBot.join({ url: service.url, token: await service.credentials.tokenFor(id) });
    bots.push(bot);
    return bot;
  };
  const hub = await join('hub');
  const bridges = await Promise.all(['bac-ninh', 'thua-thien-hue', 'ca-mau'].map(join));

  for (const b of bridges) {
    const at = await b.waitForHub(15_000);
    t.ok(at > 0, `${b.siteId} got the hub's key frame`);
  }
  const hubMedia = service.media.conference.media('hub');
  t.equal(hubMedia?.producers.get('cam')?.type, 'simulcast', 'the hub bot sends simulcast');
  t.equal(hubMedia?.producers.get('cam')?.rtpParameters.encodings?.length, 3, 'in three layers');
  await until('the hub to receive every bridge', () => {
    const from = new Set(
      hub
        .received()
        .filter((r) => r.kind === 'video' && r.packets > 0)
        .map((r) => r.siteId),
    );
    return bridges.every((b) => from.has(b.siteId ?? ''));
  });
  t.pass('the hub receives every bridge');
  await until('every site online on the board', () =>
    ['hub', 'bac-ninh', 'thua-thien-hue', 'ca-mau'].every((id) => service.status.get(id)?.state === 'online'),
  );
  t.pass('every bot is online, as the board sees it');
  await until('a link report from the bot', () => service.status.get('thua-thien-hue')?.metrics.rttMs !== null);

  t.test('muted like the page: the server is told and no packets leave', async (t) => {
    const bot = bridges[0] as SiteBot;
    await bot.setPaused('mic', true);
    t.equal(service.media.conference.media('bac-ninh')?.producers.get('mic')?.paused, true);
    await bot.setPaused('mic', false);
    t.equal(service.media.conference.media('bac-ninh')?.producers.get('mic')?.paused, false);
  });

  t.test('cut: the server sees the site go offline; a new bot with the same link comes back', async (t) => {
    const bot = bridges[2] as SiteBot;
    bot.cut();
    await until('ca-mau offline', () => service.status.get('ca-mau')?.state === 'offline', 10_000);
    const again = await join('ca-mau');
    await again.waitForHub(15_000);
    t.pass('back with the hub');
  });
});
