// mediasoup's server objects in the shape the contract gives them on the wire (the shape
// mediasoup-client consumes). mediasoup 3.12 types a few fields wider than mediasoup-client
// does: `string` where the client has a union of known values (fingerprint algorithms, header
// extension URIs), optional where a router always fills the value in. Every such value comes
// from mediasoup's own supported lists, so each narrowing below is true by construction; this
// file is the one place they are made, and the newer `address` of a candidate is filled in.
import type { types } from 'mediasoup';
import type {
  DtlsParameters,
  IceCandidate,
  RtpCapabilities,
  RtpParameters,
  TransportOptions,
} from '../contract/index.js';

type HeaderExtensionUri = NonNullable<RtpParameters['headerExtensions']>[number]['uri'];
type FingerprintAlgorithm = DtlsParameters['fingerprints'][number]['algorithm'];

const uri = (u: string) => u as HeaderExtensionUri;

export function rtpCapabilities(caps: types.RtpCapabilities): RtpCapabilities {
  return {
    codecs: (caps.codecs ?? []).map((c) => {
      if (c.preferredPayloadType === undefined) throw new Error(`router codec ${c.mimeType} has no payload type`);
      return { ...c, preferredPayloadType: c.preferredPayloadType };
    }),
    headerExtensions: (caps.headerExtensions ?? []).map((h) => ({ ...h, uri: uri(h.uri) })),
  };
}

export function rtpParameters(p: types.RtpParameters): RtpParameters {
  return { ...p, headerExtensions: (p.headerExtensions ?? []).map((h) => ({ ...h, uri: uri(h.uri) })) };
}

function iceCandidate(c: types.IceCandidate): IceCandidate {
  return { ...c, address: c.ip, tcpType: c.tcpType };
}

function dtlsParameters(d: types.DtlsParameters): DtlsParameters {
  return {
    ...d,
    fingerprints: d.fingerprints.map((f) => ({ ...f, algorithm: f.algorithm as FingerprintAlgorithm })),
  };
}

export function transportOptions(t: types.WebRtcTransport): TransportOptions {
  return {
    id: t.id,
    iceParameters: { ...t.iceParameters },
    iceCandidates: t.iceCandidates.map(iceCandidate),
    dtlsParameters: dtlsParameters(t.dtlsParameters),
  };
}
