// The floor of a join storm on this machine: the same bots against a bare mediasoup router in
// one process, with no signaling and no service. A hub bot sends 3 layers; N bridge bots join
// at once: transports, microphone and camera, and a consumer of the hub's video (created
// paused, taken by the bot, resumed, as the service does). A bridge is up when the SFU has RTP
// from its camera and it has the hub's first key frame. bench/join.ts runs this as a child
// process after the service run and divides by it.
//   node --import tsx bench/bots/baseline.ts --bridges 63
// Prints one JSON object: { bridges, baselineAllUpMs, upP50Ms, upP95Ms }.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BareSfu } from './bare-sfu.js';

const { values } = parseArgs({
  options: { bridges: { type: 'string', default: '63' }, wave: { type: 'string', default: '0' } },
});
const bridges = Number(values.bridges);
/** Bridges that start together (0: all at once); the next wave starts when one is joined. */
const wave = Number(values.wave) || bridges;

const sfu = await BareSfu.start();
try {
  const hub = await sfu.join({ profile: 'hub', receive: false });
  const hubCam = hub.producers.get('cam');
  if (!hubCam) throw new Error('the hub bot has no camera producer');
  await new Promise((r) => setTimeout(r, 1000)); // the hub's encoder is running, as in the service run
  const t0 = performance.now();
  const joinBridge = async () => {
    let rtpAt: number | undefined;
    const bot = await sfu.join({
      profile: 'bridge',
      onProducer: (source, producer) => {
        if (source !== 'cam') return;
        producer.once('trace', () => {
          rtpAt = performance.now();
          producer.enableTraceEvent([]).catch(() => undefined); // off again: only the first packet mattered
        });
        producer.enableTraceEvent(['rtp']).catch(() => undefined); // a refused trace shows as no RTP below
      },
    });
    const { client } = await sfu.consume(bot, hubCam);
    const end = performance.now() + 20_000;
    for (;;) {
      const received = bot.media.stats().received.find((r) => r.consumerId === client.id);
      if (received?.firstKeyframeAt !== undefined && rtpAt !== undefined)
        return Math.max(received.firstKeyframeAt, rtpAt) - t0;
      if (performance.now() > end) throw new Error('a bridge bot got no hub key frame in 20 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const ups: number[] = [];
  for (let i = 0; i < bridges; i += wave) {
    ups.push(...(await Promise.all(Array.from({ length: Math.min(wave, bridges - i) }, joinBridge))));
  }
  const sorted = [...ups].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0);
  process.stdout.write(
    `${JSON.stringify({ bridges, baselineAllUpMs: Math.round(Math.max(...ups)), upP50Ms: at(0.5), upP95Ms: at(0.95) })}\n`,
  );
} finally {
  sfu.close();
}
process.exit(0);
