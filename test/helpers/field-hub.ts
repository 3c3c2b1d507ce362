// The field tests' hub, in a process of its own: a libwebrtc peer sending three simulcast
// layers of a busy picture and a tone. libwebrtc in Node feeds its microphone from a 10 ms
// timer on the JavaScript thread; sharing that thread with the service made the hub's own
// audio late whenever the service was busy, which a page then counted as concealment. Started
// by field.ts with the URL and token as arguments; says 'ready' over IPC; leaves on 'exit'.
import { cameraEncodings } from '../../client/media-session.js';
import { SitePeer } from './peer.js';

const [url, token] = process.argv.slice(2);
if (!url || !token) throw new Error('usage: field-hub.ts <url> <token>');
const hub = await SitePeer.join({
  url,
  token,
  width: 640,
  height: 360,
  fps: 20,
  busyCamera: true,
  videoEncodings: cameraEncodings.hub,
});
process.on('message', (msg) => {
  if (msg === 'exit') void hub.close().finally(() => process.exit(0));
});
process.on('disconnect', () => void hub.close().finally(() => process.exit(0)));
process.send?.('ready');
