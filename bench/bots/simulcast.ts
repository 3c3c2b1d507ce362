// Connects a recorded source to the mediasoup-client Producer made from its track: starts the
// streams once DTLS is up, sends the extra simulcast layers, and turns PLI/FIR into key frames.
//
// Simulcast: mediasoup-client gives a multi-encoding producer the rids r0, r1, ... and werift
// puts them in the offer (a=rid, a=simulcast), so mediasoup creates a simulcast producer that
// finds each layer by the rid header extension, exactly as with Chrome. But a werift sender
// sends one SSRC with the first rid only. So layer 0 goes through the transceiver's own sender
// and each further layer through one more werift RTCRtpSender on the same DTLS transport,
// prepared with the producer's negotiated parameters (mid, codec, extension ids, cname) and its
// own rid: its own SSRC, sequence numbers, sender reports and NACK cache, like a browser's
// layer. No SDP or rtpParameters munging is needed; the signaling sees a normal producer.
//
// RTCP: werift routes RTCP to the senders it knows by SSRC, not to the extra ones, and its
// senders ignore FIR. So this module reads the transport's RTCP itself: PLI and FIR for any
// layer ask that layer's stream for a key frame; reports and NACKs for an extra layer go to
// its sender (RTT, loss, retransmission).
import type { types } from 'mediasoup-client';
import * as werift from 'werift';
import type { RecordedSource, RecordedStream } from './sources.js';
import { weriftSender } from './werift-env.js';

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** A source sending through a producer: the SSRC of each of its streams, and how to stop it. */
export interface SentSource {
  readonly producer: types.Producer;
  readonly source: RecordedSource;
  /** The werift sender of each stream (index = layer). */
  readonly senders: readonly werift.RTCRtpSender[];
  close(): void;
}

export function sendThrough(producer: types.Producer, source: RecordedSource): SentSource {
  const main = weriftSender(producer.rtpSender);
  const dtls = main.dtlsTransport;
  const { rtpParameters } = producer;
  const codec = main.codec;
  if (!dtls || !codec) throw new Error('the producer has no negotiated werift sender');
  const encodings = rtpParameters.encodings ?? [];
  if (source.streams.length > 1 && encodings.length !== source.streams.length) {
    throw new Error(`${source.streams.length} layers but ${encodings.length} encodings were produced`);
  }
  const headerExtensions = (rtpParameters.headerExtensions ?? []).map(
    ({ uri, id }) => new werift.RTCRtpHeaderExtensionParameters({ uri, id }),
  );
  const senders = source.streams.map((stream, i) => {
    if (i === 0) return main;
    const sender = new werift.RTCRtpSender(stream.track);
    sender.setDtlsTransport(dtls);
    sender.prepareSend({
      codecs: [codec],
      muxId: rtpParameters.mid,
      headerExtensions,
      rtcp: new werift.RTCRtcpParameters({ cname: rtpParameters.rtcp?.cname, ssrc: sender.ssrc, mux: true }),
      rtpStreamId: encodings[i]?.rid,
    });
    return sender;
  });

  const bySsrc = new Map<number, { stream: RecordedStream; sender: werift.RTCRtpSender }>();
  source.streams.forEach((stream, i) => {
    const sender = senders[i];
    if (sender) bySsrc.set(sender.ssrc, { stream, sender });
  });
  const extra = (ssrc: number) => {
    const hit = bySsrc.get(ssrc);
    return hit && hit.sender !== main ? hit.sender : undefined;
  };
  const onRtcp = (packet: werift.RtcpPacket) => {
    switch (packet.type) {
      case werift.RtcpPayloadSpecificFeedback.type: {
        const fb = packet.feedback;
        if ('fir' in fb) for (const { ssrc } of fb.fir) bySsrc.get(ssrc)?.stream.requestKeyframe();
        else if (!('ssrcFeedbacks' in fb)) bySsrc.get(fb.mediaSsrc)?.stream.requestKeyframe();
        break;
      }
      case werift.RtcpRrPacket.type:
      case werift.RtcpSrPacket.type:
        for (const report of packet.reports) extra(report.ssrc)?.handleRtcpPacket(packet);
        break;
      case werift.RtcpTransportLayerFeedback.type:
        extra(packet.feedback.mediaSourceSsrc)?.handleRtcpPacket(packet);
        break;
    }
  };
  const rtcp = dtls.onRtcp.subscribe(onRtcp);

  // mediasoup-client's setMaxSpatialLayer() lands in setParameters(), which werift only stores.
  const setParameters = main.setParameters.bind(main);
  main.setParameters = (params) => {
    setParameters(params);
    params.encodings?.forEach((e, i) => {
      source.streams[i]?.setActive(e.active !== false);
    });
  };

  const levelId = headerExtensions.find((e) => e.uri === AUDIO_LEVEL_URI)?.id;
  // producer.pause() disables the producer's track (layer 0's); every layer follows it.
  const ready = () => dtls.state === 'connected' && source.track.enabled;
  for (const stream of source.streams) {
    stream.setAudioLevelExtension(levelId);
    stream.start(ready);
  }

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    rtcp.unSubscribe();
    producer.observer.off('close', close);
    source.stop();
    for (const s of senders) if (s !== main) s.stop();
  };
  producer.observer.on('close', close);
  return { producer, source, senders, close };
}
