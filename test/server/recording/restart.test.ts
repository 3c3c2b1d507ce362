// A recording cut by a crash of the service (kill -9 of the real service process, with its
// default store, the private redis-server in DATA_DIR): the orphaned recorder ends by itself and
// finishes its file; the service started again lists the recording, closed as interrupted,
// with that file in it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { RecordingView } from '../../../server/recording/recordings.js';
import { SitePeer } from '../../helpers/peer.js';
import { probe, processAlive, sleep, until } from '../../helpers/recording.js';
import {
  childPids,
  freeMediaPort,
  freePort,
  processName,
  type ServerProcess,
  startServerProcess,
} from '../../helpers/server-process.js';

t.setTimeout(120_000);

t.test('a recording outlives a crash of the service as a finished file and a closed record', async (t) => {
  // Short: it holds the embedded redis-server's Unix socket.
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-rec-'));
  const env = {
    PORT: String(await freePort()),
    MEDIA_PORT: String(await freeMediaPort(1)),
    MEDIA_WORKERS: '1',
    DATA_DIR: dataDir,
  };
  const servers: ServerProcess[] = [];
  const peers: SitePeer[] = [];
  t.teardown(async () => {
    await Promise.all(peers.map((p) => p.close()));
    for (const s of servers) await s.kill9();
    // The embedded redis-server outlives a kill -9 of its service: only if that pid is still one.
    try {
      const pid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
      if (pid > 0 && processName(pid) === 'redis-server') process.kill(pid, 'SIGKILL');
    } catch (err) {
      // No pid file: the service shut its redis-server down itself.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const first = await startServerProcess({ env });
  servers.push(first);
  const link = (await first.get('/api/sites/hub/join-link')) as { url: string };
  const token = decodeURIComponent(new URL(link.url).hash.replace('#token=', ''));
  peers.push(await SitePeer.join({ url: first.url, token }));

  const started = (await first.request('POST', '/api/recordings', { body: {} })).body as RecordingView;
  t.equal(started.state, 'recording');
  await sleep(4000);
  const [recorder] = childPids(first.pid, 'ffmpeg');
  t.ok(recorder, 'the service runs a recorder');

  await first.kill9();
  // Nothing reaches the orphan any more: it ends at its input timeout, finishing the file.
  await until('the orphaned recorder ends by itself', () => !processAlive(recorder as number), 15_000);
  const file = join(dataDir, 'recordings', started.id, 'segment-1.webm');
  const probed = await probe(file);
  t.same(probed.streams.map((s) => s.codec_name).sort(), ['opus', 'vp8'], 'the file holds VP8 and Opus');
  t.ok(probed.seconds >= 3, `and the seconds before the crash (${probed.seconds} s)`);

  const again = await startServerProcess({ env });
  servers.push(again);
  const r = (await again.get(`/api/recordings/${started.id}`)) as RecordingView;
  t.equal(r.state, 'stopped');
  t.equal(r.stopReason, 'interrupted');
  t.equal(r.segments.length, 1);
  t.ok(Math.abs((r.segments[0]?.seconds ?? 0) - probed.seconds) < 0.05, 'the segment as ffprobe reads it');
  const download = await fetch(`${again.url}/api/recordings/${started.id}/segments/1`, {
    headers: { authorization: `Bearer ${again.operatorToken}` },
  });
  t.equal(download.status, 200, 'its file can be downloaded after the restart');
  t.equal((await download.arrayBuffer()).byteLength, r.segments[0]?.bytes);
  const events = (await again.get('/api/events')) as { events: { type: string; data?: { reason?: string } }[] };
  t.ok(
    events.events.some((e) => e.type === 'recording.stopped' && e.data?.reason === 'interrupted'),
    'the log says it was interrupted',
  );
  await again.stop();
});
