import t from 'tap';
import { feedFor, wantsHighLayer } from '../../media/topology.js';

const hub = { siteId: 'hub', role: 'hub' as const };
const a = { siteId: 'a', role: 'bridge' as const };
const c = { siteId: 'c', role: 'bridge' as const };
const src = (site: { siteId: string; role: 'hub' | 'bridge' }, source: 'mic' | 'cam') => ({ ...site, source });

t.test('every bridge receives the hub; nobody receives itself', async (t) => {
  const s = { floor: null, hubHears: 'all' as const };
  t.equal(feedFor(a, src(hub, 'mic'), s), 'hub');
  t.equal(feedFor(a, src(hub, 'cam'), s), 'hub');
  t.equal(feedFor(hub, src(hub, 'cam'), s), undefined);
  t.equal(feedFor(a, src(a, 'cam'), s), undefined);
});

t.test('audio discipline: a bridge never hears another bridge without the floor', async (t) => {
  for (const hubHears of ['all', 'floor'] as const) {
    const s = { floor: null, hubHears };
    t.equal(feedFor(c, src(a, 'mic'), s), undefined);
    t.equal(feedFor(c, src(a, 'cam'), s), undefined);
    t.equal(feedFor(c, src(a, 'mic'), { ...s, floor: 'other' }), undefined);
  }
});

t.test('the floor holder reaches everyone', async (t) => {
  const s = { floor: 'a', hubHears: 'floor' as const };
  t.equal(feedFor(c, src(a, 'mic'), s), 'floor');
  t.equal(feedFor(c, src(a, 'cam'), s), 'floor');
  t.equal(feedFor(hub, src(a, 'mic'), s), 'floor');
  t.equal(feedFor(hub, src(a, 'cam'), s), 'floor');
  t.equal(feedFor(a, src(a, 'mic'), s), undefined, 'not back to itself');
});

t.test('the hub sees every bridge and hears them per HUB_HEARS', async (t) => {
  t.equal(feedFor(hub, src(a, 'cam'), { floor: null, hubHears: 'floor' }), 'grid');
  t.equal(feedFor(hub, src(a, 'mic'), { floor: null, hubHears: 'all' }), 'grid');
  t.equal(feedFor(hub, src(a, 'mic'), { floor: null, hubHears: 'floor' }), undefined);
});

t.test('layers: grid low unless focused, large views high', async (t) => {
  t.equal(wantsHighLayer('grid', false), false);
  t.equal(wantsHighLayer('grid', true), true);
  t.equal(wantsHighLayer('floor', false), true);
  t.equal(wantsHighLayer('hub', false), true);
});
