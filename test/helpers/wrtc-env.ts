// Real libwebrtc in Node for the test peers: @roamhq/wrtc's classes on globalThis (where
// mediasoup-client's Chrome111 handler looks for them) and a Device factory for the shared
// client. A process uses wrtc or werift (the load bots), never both.
import wrtc from '@roamhq/wrtc';
import { Device, type types } from 'mediasoup-client';
import { Chrome111 } from 'mediasoup-client/handlers/Chrome111';

export { wrtc };

// mediasoup-client's handlers use the browser globals (new RTCPeerConnection(), instanceof
// checks), so they must exist before the first Device is created. Only where absent, so a
// runtime that has its own WebRTC keeps it.
const wrtcGlobals = {
  RTCPeerConnection: wrtc.RTCPeerConnection,
  RTCSessionDescription: wrtc.RTCSessionDescription,
  RTCIceCandidate: wrtc.RTCIceCandidate,
  MediaStream: wrtc.MediaStream,
  MediaStreamTrack: wrtc.MediaStreamTrack,
  RTCRtpSender: wrtc.RTCRtpSender,
  RTCRtpReceiver: wrtc.RTCRtpReceiver,
  RTCRtpTransceiver: wrtc.RTCRtpTransceiver,
};
for (const [name, value] of Object.entries(wrtcGlobals)) {
  if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
}

// wrtc 0.10 crashes when Node frees the environment after a natural exit (SIGSEGV or SIGABRT
// "Check failed: node->IsInUse()" in its N-API finalizers), even with every peer connection
// closed: node-webrtc#636, WonderInventions/node-webrtc#7. tap counts that as a failed test file.
// process.exit() skips that teardown, so once the event loop has drained, a final 'exit'
// listener ends the process with its own exit code. It is added at 'beforeExit' so that every
// other 'exit' listener (the test runner's) was registered before it and still runs.
let exitArmed = false;
process.on('beforeExit', () => {
  if (exitArmed) return;
  exitArmed = true;
  process.on('exit', (code) => process.exit(code));
});

// mediasoup-client's Chrome111 handler, with libwebrtc's native capabilities asked once per
// process: Device.load() otherwise builds two throwaway RTCPeerConnections per peer, and every
// peer in the process shares wrtc's one signaling thread, so 64 joins would queue behind 128
// of them. The answer cannot change within a process; Device.load() clones what it gets.
const chrome111 = Chrome111.createFactory({});
const nativeCapabilities = new Map<string, Promise<types.RtpCapabilities>>();
const handlerFactory: types.HandlerFactory = {
  ...chrome111,
  getNativeRtpCapabilities: (options) => {
    const key = options.direction;
    let caps = nativeCapabilities.get(key);
    if (!caps) {
      caps = chrome111.getNativeRtpCapabilities(options);
      caps.catch(() => nativeCapabilities.delete(key)); // a failure is not cached; the caller sees it
      nativeCapabilities.set(key, caps);
    }
    return caps;
  },
};

/** A mediasoup-client Device on libwebrtc. */
export const createWrtcDevice = async () => new Device({ handlerFactory });
