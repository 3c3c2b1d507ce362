// The zod schemas that check every socket input against the contract's types (server only:
// the pages carry none of this). `satisfies` makes a schema that drifts from its contract type
// a compile error. mediasoup objects are checked for their shape here; mediasoup checks the
// rest, and its errors become bad_request.
import { z } from 'zod';
import type {
  DtlsParameters,
  OperatorEvent,
  OperatorInput,
  RtpCapabilities,
  RtpParameters,
  SiteEvent,
  SiteInput,
} from '../contract/index.js';
import { mediaSources } from '../contract/index.js';

const id = z.string().min(1).max(100);
const empty = z.strictObject({});

/**
 * A value checked against `shape` and then typed as the contract's mediasoup type `T`: the
 * shape covers what the server reads itself; mediasoup validates the whole object on use.
 */
function wire<T>(shape: z.ZodType, what: string): z.ZodType<T> {
  return z.custom<T>().superRefine((value, ctx) => {
    const r = shape.safeParse(value);
    if (r.success) return;
    for (const issue of r.error.issues.slice(0, 3)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: `${what}: ${issue.message}` });
    }
  });
}

const rtpCodec = z.looseObject({ mimeType: z.string().max(100), clockRate: z.number() });
const rtpCapabilities = wire<RtpCapabilities>(
  z.looseObject({
    codecs: z.array(rtpCodec).max(100).optional(),
    headerExtensions: z
      .array(z.looseObject({ uri: z.string().max(200) }))
      .max(100)
      .optional(),
  }),
  'rtpCapabilities',
);
const rtpParameters = wire<RtpParameters>(
  z.looseObject({
    codecs: z
      .array(z.looseObject({ mimeType: z.string().max(100), payloadType: z.number(), clockRate: z.number() }))
      .min(1)
      .max(20),
    encodings: z.array(z.looseObject({})).max(8).optional(),
    headerExtensions: z.array(z.looseObject({})).max(40).optional(),
    rtcp: z.looseObject({}).optional(),
    mid: z.string().max(100).optional(),
  }),
  'rtpParameters',
);
const dtlsParameters = wire<DtlsParameters>(
  z.looseObject({
    role: z.enum(['auto', 'client', 'server']).optional(),
    fingerprints: z
      .array(z.looseObject({ algorithm: z.string().max(40), value: z.string().max(200) }))
      .min(1)
      .max(10),
  }),
  'dtlsParameters',
);
const nullableNumber = (max: number) => z.number().min(0).max(max).nullable();

export const siteInputs = {
  join: empty,
  'media:capabilities': empty,
  'media:create-transport': z.strictObject({
    direction: z.enum(['send', 'recv']),
    probe: z.strictObject({ protocol: z.enum(['udp', 'tcp']) }).optional(),
  }),
  'media:close-transport': z.strictObject({ transportId: id }),
  'media:connect-transport': z.strictObject({ transportId: id, dtlsParameters }),
  'media:produce': z.strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    source: z.enum(mediaSources),
    rtpParameters,
  }),
  'media:pause-producer': z.strictObject({ producerId: id, paused: z.boolean() }),
  'media:close-producer': z.strictObject({ producerId: id }),
  'media:ready': z.strictObject({ rtpCapabilities }),
  'media:restart-ice': z.strictObject({ transportId: id }),
  'hub:focus': z.strictObject({ siteId: id.nullable() }),
  'hand:set': z.strictObject({ raised: z.boolean() }),
  'site:report': z.strictObject({
    rttMs: nullableNumber(60_000),
    lossPct: nullableNumber(100),
    jitterMs: nullableNumber(60_000),
    inKbps: nullableNumber(1e6),
    outKbps: nullableNumber(1e6),
    transport: z.enum(['udp', 'tcp']).nullable(),
    relayed: z.boolean().optional(),
    uplinkKbps: z.number().min(0).max(1e6).optional(),
    receiving: z.strictObject({ audio: z.boolean(), video: z.boolean() }).optional(),
    limitation: z.enum(['none', 'cpu', 'bandwidth', 'other']).optional(),
    framesDroppedPct: z.number().min(0).max(100).optional(),
    cpuPressure: z.enum(['nominal', 'fair', 'serious', 'critical']).optional(),
  }),
  'rehearsal:confirm': z.strictObject({ hears: z.boolean(), sees: z.boolean() }),
  ping: z.strictObject({ sent: z.number() }),
  leave: empty,
  'alert:ack': z.strictObject({ alertId: id }),
} as const satisfies { [E in SiteEvent]: z.ZodType<SiteInput<E>> };

export const operatorInputs = {
  'floor:give': z.strictObject({ siteId: id }),
  'floor:take': empty,
  'site:mute': z.strictObject({ siteId: id, muted: z.boolean() }),
  'site:restart-ice': z.strictObject({ siteId: id }),
  'site:disconnect': z.strictObject({ siteId: id }),
  'conference:get': empty,
  'site:message': z.strictObject({
    siteId: id.nullable(),
    text: z.string().trim().min(1, 'expected the message').max(500, 'expected at most 500 characters'),
  }),
} as const satisfies { [E in OperatorEvent]: z.ZodType<OperatorInput<E>> };
