// The conference end to end: the real service (mediasoup worker, socket.io) and real WebRTC
// peers in Node (@roamhq/wrtc + mediasoup-client). Bytes must really arrive.

import { io, type Socket } from 'socket.io-client';
import t from 'tap';
import {
  type Ack,
  type ConferenceView,
  OPERATOR_NAMESPACE,
  type OperatorClientEvents,
  type OperatorServerEvents,
} from '../../contract/index.js';
import type { Service } from '../../server/service.js';
import { SitePeer } from '../helpers/peer.js';
import { OPERATOR_TOKEN, startTestService } from '../helpers/service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

type OperatorSocket = Socket<OperatorServerEvents, OperatorClientEvents>;

async function operatorSocket(url: string, token = OPERATOR_TOKEN): Promise<OperatorSocket> {
  const socket: OperatorSocket = io(`${url}${OPERATOR_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

async function operator<T>(socket: OperatorSocket, event: keyof OperatorClientEvents, input: object): Promise<T> {
  const reply = (await (
    socket.timeout(5000) as unknown as { emitWithAck: (e: string, p: object) => Promise<Ack<T>> }
  ).emitWithAck(event, input)) as Ack<T>;
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  return reply.data;
}

const join = async (service: Service, siteId: string, opts: { audio?: boolean; video?: boolean } = {}) =>
  SitePeer.join({ url: service.url, token: await service.credentials.tokenFor(siteId), ...opts });

t.test('hub and 3 bridges: every bridge gets the hub; the hub gets every bridge; the floor moves', async (t) => {
  const service = await startTestService();
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await service.close();
  });
  const hub = await join(service, 'hub');
  peers.push(hub);
  const [a, b, c] = await Promise.all(['bac-ninh', 'thua-thien-hue', 'ca-mau'].map((id) => join(service, id)));
  peers.push(a as SitePeer, b as SitePeer, c as SitePeer);
  if (!a || !b || !c) throw new Error('join failed');

  for (const bridge of [a, b, c]) {
    await bridge.waitForBytesFrom('hub', 'video');
    await bridge.waitForBytesFrom('hub', 'audio');
    t.pass(`${bridge.siteId} receives the hub's audio and video`);
  }
  for (const bridge of [a, b, c]) {
    await hub.waitForBytesFrom(bridge.siteId, 'video');
    t.pass(`the hub receives ${bridge.siteId}'s video`);
  }
  // HUB_HEARS=all (default): the hub hears every bridge.
  await hub.waitForBytesFrom(a.siteId, 'audio');

  t.test('audio discipline: no bridge receives another bridge without the floor', async (t) => {
    await sleep(1000);
    t.ok((await a.bytesSent('audio')) > 0, 'bac-ninh is sending audio');
    t.equal(c.consumersFrom(a.siteId).length, 0, 'ca-mau holds no consumer of bac-ninh');
    t.equal(await c.bytesReceivedFrom(a.siteId, 'audio'), 0, 'ca-mau received no audio from bac-ninh');
    t.equal(b.consumersFrom(a.siteId, 'audio').length, 0);
  });

  t.test('floor: give it to B, C receives B; take it back, C stops receiving B', async (t) => {
    const op = await operatorSocket(service.url);
    t.teardown(() => {
      op.disconnect();
    });
    const view = await operator<ConferenceView>(op, 'floor:give', { siteId: b.siteId });
    t.equal(view.floor, b.siteId);
    await c.waitForBytesFrom(b.siteId, 'audio');
    await c.waitForBytesFrom(b.siteId, 'video');
    await a.waitForBytesFrom(b.siteId, 'video');
    t.pass('every bridge receives the floor holder');
    await until(() => c.conference?.floor === b.siteId, 3000, 'the floor change to reach ca-mau');
    t.equal(c.consumersFrom(a.siteId).length, 0, 'still nothing from a bridge without the floor');

    await operator(op, 'floor:take', {});
    await until(() => c.consumersFrom(b.siteId).length === 0, 5000, 'ca-mau to drop the consumers of B');
    const before = await c.bytesReceivedFrom(b.siteId, 'video');
    await sleep(800);
    t.equal(await c.bytesReceivedFrom(b.siteId, 'video'), before, 'no more bytes from B');
    t.equal(c.consumersFrom('hub', 'video').length, 1, 'the hub still flows');
    t.same(service.briefing.view().floor, null);
  });

  t.test('the hub can give the floor only to a bridge, and only through the operator', async (t) => {
    const op = await operatorSocket(service.url);
    t.teardown(() => {
      op.disconnect();
    });
    await t.rejects(operator(op, 'floor:give', { siteId: 'hub' }), { code: 'bad_request' });
    await t.rejects(operator(op, 'floor:give', { siteId: 'atlantis' }), { code: 'not_found' });
    await t.rejects(operator(op, 'floor:give', { site: 'x' }), { code: 'bad_request', message: /siteId/ });
  });

  t.test('hands are raised and lowered, and broadcast', async (t) => {
    await a.request('hand:set', { raised: true });
    await until(() => hub.conference?.hands.includes(a.siteId) === true, 3000, 'the raised hand at the hub');
    await t.rejects(hub.request('hand:set', { raised: true }), { code: 'bad_request' });
    await a.request('hand:set', { raised: false });
    await until(() => hub.conference?.hands.length === 0, 3000, 'the hand to come down');
  });
});

t.test('bad input gets typed errors and the connection carries on', async (t) => {
  const service = await startTestService();
  t.teardown(() => service.close());

  t.test('a bad token is refused', async (t) => {
    await t.rejects(SitePeer.join({ url: service.url, token: 'bac-ninh.forged' }), { code: 'unauthorized' });
    await t.rejects(SitePeer.join({ url: service.url, token: '' }), { code: 'unauthorized' });
  });

  t.test('a site token cannot use the operator namespace', async (t) => {
    await t.rejects(operatorSocket(service.url, await service.credentials.tokenFor('bac-ninh')), /operator token/);
  });

  t.test('malformed, unknown and out-of-order messages', async (t) => {
    const peer = await join(service, 'bac-ninh', { audio: false, video: false });
    t.teardown(() => peer.close());
    const bad = (await peer.emitRaw('media:create-transport', { direction: 'sideways' })) as Ack<unknown>;
    t.equal(bad.ok, false);
    t.match(bad, { error: { code: 'bad_request', message: /direction/ } });
    const garbage = (await peer.emitRaw('media:produce', 'not an object')) as Ack<unknown>;
    t.match(garbage, { ok: false, error: { code: 'bad_request' } });
    const unknown = (await peer.emitRaw('media:teleport', {})) as Ack<unknown>;
    t.match(unknown, { ok: false, error: { code: 'bad_request', message: /unknown event/ } });
    const outOfOrder = (await peer.emitRaw('media:connect-transport', {
      transportId: 'nope',
      dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] },
    })) as Ack<unknown>;
    t.match(outOfOrder, { ok: false, error: { code: 'out_of_order' } });
    const asHub = (await peer.emitRaw('hub:focus', { siteId: 'ca-mau' })) as Ack<unknown>;
    t.match(asHub, { ok: false, error: { code: 'forbidden' } }, 'a bridge cannot act as the hub');
    t.ok(peer.socket.connected, 'still connected');
    const caps = await peer.request('media:capabilities', {});
    t.ok(caps.routerRtpCapabilities, 'and still served');
    t.ok(service.briefing.isPresent('bac-ninh'));
  });

  t.test('a second connection for the same site takes over', async (t) => {
    const first = await join(service, 'ca-mau', { audio: false });
    const second = await join(service, 'ca-mau', { audio: false });
    t.teardown(() => Promise.all([first.close(), second.close()]));
    await until(() => first.closedReason !== undefined, 3000, 'the first connection to be told');
    t.equal(first.closedReason?.reason, 'taken-over');
    await until(() => !first.socket.connected, 3000, 'the first connection to close');
    t.ok(second.socket.connected);
    const entries = service.media.conference.serialize().sites.filter((s) => s.siteId === 'ca-mau');
    t.equal(entries.length, 1, 'one media entry for the site');
    t.equal(entries[0]?.producers.length, 1, 'only the new connection’s camera');
  });
});

t.test('reconnect: a dropped bridge rejoins with its token and media flows again', async (t) => {
  const service = await startTestService();
  const hub = await join(service, 'hub');
  const bridge = await join(service, 'dak-lak');
  t.teardown(async () => {
    await Promise.all([hub.close(), bridge.close()]);
    await service.close();
  });
  await bridge.waitForBytesFrom('hub', 'video');
  // Drop the socket from the server side, as a network reset would.
  const sockets = await service.signaling.sites.fetchSockets();
  sockets.find((s) => s.data.site?.id === 'dak-lak')?.disconnect(true);
  await until(() => !service.briefing.isPresent('dak-lak'), 3000, 'the server to see the drop');
  await until(
    () => !service.media.conference.media('dak-lak'),
    3000,
    'the old connection’s transports, producers and consumers to be closed',
  );
  const again = await join(service, 'dak-lak');
  t.teardown(() => again.close());
  await again.waitForBytesFrom('hub', 'video');
  await hub.waitForBytesFrom('dak-lak', 'video');
  t.pass('media flows both ways after the rejoin');
  t.equal(hub.consumersFrom('dak-lak', 'video').length, 1, 'the hub holds one consumer of the rejoined bridge');
});

t.test('a conference spread across 2 workers carries media', async (t) => {
  // A budget of 6 consumers per router: the hub and the first bridge fill router 0, so the
  // next bridges land on a router on the second worker and media is piped between them.
  const service = await startTestService({ MEDIA_WORKERS: '2', MEDIA_ROUTER_CONSUMER_BUDGET: '6' });
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await service.close();
  });
  peers.push(await join(service, 'hub'));
  for (const id of ['lao-cai', 'son-la', 'kon-tum']) peers.push(await join(service, id));
  const [hub, ...bridges] = peers as [SitePeer, ...SitePeer[]];
  for (const bridge of bridges) {
    await bridge.waitForBytesFrom('hub', 'video');
    await hub.waitForBytesFrom(bridge.siteId, 'video');
  }
  const layout = service.media.conference.serialize();
  const workers = new Set(layout.routers.map((r) => r.worker));
  t.equal(workers.size, 2, `routers on 2 workers: ${JSON.stringify(layout.routers.map((r) => [r.worker, r.sites]))}`);
  const far = layout.sites.find((s) => s.worker !== layout.sites.find((h) => h.siteId === 'hub')?.worker);
  t.ok(far, 'at least one bridge sits on the other worker from the hub');
  t.pass('every bridge receives the hub and the hub every bridge across workers');
});
