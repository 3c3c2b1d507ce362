// Three real nodes (processes) on one redis-server carry one briefing: the hub on one node,
// bridges on the others, media relayed between them; every node's board shows every site; a
// node killed with -9 loses its sites only for a moment (they rejoin through another node);
// the hub's node killed, the hub comes back elsewhere and every bridge gets it again; a node
// stopped with SIGTERM moves its sites before it exits.
import t from 'tap';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { type Board, connectBoard } from '../helpers/faults/board.js';
import { until } from '../helpers/faults/wait.js';
import { SitePeer } from '../helpers/peer.js';
import { OPERATOR_TOKEN } from '../helpers/server-process.js';

const joinAt = async (cluster: Cluster, node: number, siteId: string) => {
  const n = cluster.nodes[0];
  if (!n) throw new Error('no node');
  const { url } = (await n.get(`/api/sites/${siteId}/join-link`)) as { url: string };
  return SitePeer.join({
    url: cluster.nodes[node]?.url ?? '',
    token: url.split('#token=')[1] ?? '',
    reconnection: true,
  });
};

t.test('three nodes, one briefing', async (t) => {
  const cluster = await startCluster(3);
  const peers: SitePeer[] = [];
  const boards: Board[] = [];
  t.teardown(async () => {
    for (const b of boards) b.close();
    await Promise.all(peers.map((p) => p.close()));
    await cluster.close();
  });
  const [a, b, c] = cluster.nodes;
  if (!a || !b || !c) throw new Error('three nodes');
  await until('every node to see the others', async () => {
    const { nodes } = (await a.get('/api/nodes')) as { nodes: { id: string }[] };
    return nodes.length === 3;
  });

  const hub = await joinAt(cluster, 0, 'hub');
  const onB = await joinAt(cluster, 1, 'bac-ninh');
  const onC = [await joinAt(cluster, 2, 'ca-mau'), await joinAt(cluster, 2, 'lao-cai')];
  peers.push(hub, onB, ...onC);
  const bridges = [onB, ...onC];

  await t.test('every bridge receives the hub, the hub every bridge, across nodes', async (t) => {
    for (const p of bridges) await p.waitForBytesFrom('hub', 'video', { timeoutMs: 15_000 });
    for (const p of bridges) await hub.waitForBytesFrom(p.siteId, 'video', { timeoutMs: 15_000 });
    t.pass('media relayed both ways');
    t.equal(onC[0]?.consumersFrom('bac-ninh').length, 0, 'no bridge receives another without the floor');
  });

  await t.test('every node’s board shows every site online', async (t) => {
    for (const node of [a, b, c]) {
      const board = await connectBoard(node.url, OPERATOR_TOKEN);
      boards.push(board);
      await until(`node ${node.url}'s board to show the four sites online`, () =>
        ['hub', 'bac-ninh', 'ca-mau', 'lao-cai'].every((id) => board.states.get(id) === 'online'),
      );
    }
    t.pass('the same truth on every node');
    const { nodes } = (await b.get('/api/nodes')) as { nodes: { id: string; siteIds: string[] }[] };
    t.same(nodes.map((n) => n.siteIds.length).sort(), [1, 1, 2], '/api/nodes lists each node’s sites');
  });

  await t.test('the floor given on one node reaches every node', async (t) => {
    await b.post('/api/floor', { siteId: 'ca-mau' });
    await onB.waitForBytesFrom('ca-mau', 'video', { timeoutMs: 15_000 });
    await onC[1]?.waitForBytesFrom('ca-mau', 'audio', { timeoutMs: 15_000 });
    t.equal(hub.conference?.floor, 'ca-mau');
    await a.request('DELETE', '/api/floor');
  });

  await t.test('kill -9 of a node: the board shows it at once, its site rejoins elsewhere', async (t) => {
    const board = boards[0] as Board;
    const before = onB.joins;
    const killed = performance.now();
    const seenBefore = board.changes.length;
    await b.kill9();
    // The page reconnects in about a second, as fast as the death is noticed: the board shows
    // either the drop (offline) or, if the site was back first, its new connection.
    const moved = () => board.changes.slice(seenBefore).find((c) => c.siteId === 'bac-ninh');
    await until('the board on node a to show that bac-ninh left node b', () => moved() !== undefined, {
      timeoutMs: 5000,
      everyMs: 20,
    });
    const change = moved();
    const seen = (change?.seenAt ?? performance.now()) - killed;
    t.ok(seen <= 2500, `the board showed bac-ninh ${change?.to} ${Math.round(seen)} ms after the kill`);
    await onB.rejoined(before, 15_000);
    await onB.waitForBytesFrom('hub', 'video', { timeoutMs: 10_000 });
    await hub.waitForBytesFrom('bac-ninh', 'video', { timeoutMs: 10_000 });
    t.pass(`bac-ninh back with media ${Math.round(performance.now() - killed)} ms after the kill`);
    t.not(onB.client.link.url, b.url, 'through another node');
  });

  await t.test('kill -9 of the hub’s node: the hub comes back elsewhere, every bridge gets it', async (t) => {
    const before = hub.joins;
    const killed = performance.now();
    await a.kill9();
    await hub.rejoined(before, 15_000);
    for (const p of bridges) await p.waitForBytesFrom('hub', 'video', { timeoutMs: 15_000 });
    t.pass(`every bridge receives the hub again ${Math.round(performance.now() - killed)} ms after the kill`);
  });

  await t.test('SIGTERM drains: the node moves its sites before it exits', async (t) => {
    const stillThere = cluster.nodes.filter((n) => n.alive);
    t.equal(stillThere.length, 1, 'one node left');
    const restarted = await cluster.restart(0);
    await cluster.restart(1);
    await until('the restarted nodes to join', async () => {
      const { nodes } = (await restarted.get('/api/nodes')) as { nodes: unknown[] };
      return nodes.length === 3;
    });
    const survivor = stillThere[0];
    if (!survivor) throw new Error('no survivor');
    const joins = peers.map((p) => p.joins);
    await survivor.stop(15_000);
    t.pass('the node exited after draining');
    for (const [i, p] of peers.entries()) await p.rejoined(joins[i] ?? 0, 15_000);
    for (const p of bridges) await p.waitForBytesFrom('hub', 'video', { timeoutMs: 15_000 });
    t.pass('every site is on a remaining node with media');
  });
});
