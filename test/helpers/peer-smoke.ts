// Joins one site peer to a running service, shows what it receives, and leaves. By hand:
//   node --import tsx test/helpers/peer-smoke.ts --url http://127.0.0.1:3000 --token <site token>
// Options: --seconds N (default 3), --no-audio, --no-video, --verbose.
import { parseArgs } from 'node:util';
import { SitePeer } from './peer.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    'no-audio': { type: 'boolean', default: false },
    'no-video': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});
if (!values.url || !values.token) {
  process.stderr.write('usage: peer-smoke.ts --url http://host:port --token TOKEN [--seconds 3]\n');
  process.exit(2);
}
const out = (line: string) => process.stdout.write(`${line}\n`);

const peer = await SitePeer.join({
  url: values.url,
  token: values.token,
  audio: !values['no-audio'],
  video: !values['no-video'],
  ...(values.verbose ? { log: out } : {}),
}).catch((err: Error & { code?: string }) => {
  process.stderr.write(`join refused: ${err.code ?? ''} ${err.message}\n`);
  process.exit(1);
});
const ms = (t: number | undefined) => (t === undefined ? '-' : `${Math.round(t - peer.timings.start)} ms`);
out(`welcome: site ${peer.siteId} (${peer.welcome.site.role}, ${peer.welcome.site.name}), hub ${peer.welcome.hub.id}`);
out(`welcome after ${ms(peer.timings.welcome)}, producing after ${ms(peer.timings.producing)}`);
out(`consumers offered at media:ready: ${peer.ready?.consumers ?? '-'}`);

await new Promise((resolve) => setTimeout(resolve, Number(values.seconds) * 1000));

out(`sent: audio ${await peer.bytesSent('audio')} B, video ${await peer.bytesSent('video')} B`);
const received = await peer.bytesByConsumer();
for (const { consumer, offer } of peer.consumers) {
  const bytes = received.get(consumer.id) ?? 0;
  out(`received ${offer.kind} ${offer.source} of site ${offer.siteId} (feed ${offer.feed}): ${bytes} B`);
}
if (peer.consumers.length === 0) out('received: no consumers');
if (peer.backgroundErrors.length) out(`background errors: ${peer.backgroundErrors.map((e) => e.message).join('; ')}`);
await peer.close();
out('closed');
