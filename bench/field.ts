// npm run bench:field — the field of issue 13 in numbers: real Chromium pages, each in a network
// namespace of its own, behind a firewall, on a thin or lossy link, a link that drops, and a
// site whose rehearsal taught the live session its profile (test/helpers/field-scenarios.ts,
// the same scenarios the field tests assert). Needs root (namespaces, tc, nftables).
//
// Prints a table and, last, one JSON line: udpBlockedJoinMs, turnTlsJoinMs,
// lowBandwidthAudioContinuityPct, lossyAudioContinuityPct, linkReturnRecoveryMs,
// profileAppliedJoinMs (and what they are compared with). CPU: the clients (the pages'
// Chromium, the hub's libwebrtc process), the service's own processes (mediasoup workers,
// coturn), and this process, which runs the signaling server and the bench.
import { Field, processCpuMs } from '../test/helpers/field.js';
import { firewall, learnedProfile, linkReturn, lossy, median, thinLink } from '../test/helpers/field-scenarios.js';

const say = (text: string) => process.stdout.write(`${text}\n`);
const warn = (text: string) => process.stderr.write(`${text}\n`);

interface Row {
  scenario: string;
  measured: string;
  target: string;
  ok: boolean;
}

const rows: Row[] = [];
const cpu = { clientMs: 0, serviceMs: 0, harnessMs: 0, wallMs: 0 };
let current: Field | undefined;

/** One scenario on a fresh service; its CPU is added to the totals. */
async function scenario<T>(env: Record<string, string>, run: (field: Field) => Promise<T>): Promise<T> {
  const field = await Field.start(env);
  current = field;
  const t0 = performance.now();
  const self0 = process.cpuUsage();
  const service0 = field.servicePids().reduce((a, p) => a + processCpuMs(p), 0);
  try {
    return await run(field);
  } finally {
    cpu.wallMs += performance.now() - t0;
    const self = process.cpuUsage(self0);
    cpu.harnessMs += (self.user + self.system) / 1000;
    cpu.serviceMs += field.servicePids().reduce((a, p) => a + processCpuMs(p), 0) - service0;
    await field.close();
    cpu.clientMs += field.clientCpuMs;
    current = undefined;
  }
}

const round = Math.round;
const stop = () => {
  void (current?.close() ?? Promise.resolve()).finally(() => process.exit(130));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

let failed = false;
const out: Record<string, unknown> = {};
try {
  const udp = await scenario({}, (f) => firewall(f, 'bac-ninh', false));
  out.udpBlockedJoinMs = round(udp.joinMs);
  rows.push({
    scenario: 'UDP blocked',
    measured: `joined in ${round(udp.joinMs)} ms over ${udp.transport?.toUpperCase()}`,
    target: '≤ 5000 ms, TCP',
    ok: udp.joinMs <= 5000 && udp.transport === 'tcp',
  });

  const turn = await scenario({}, (f) => firewall(f, 'ca-mau', true));
  out.turnTlsJoinMs = round(turn.joinMs);
  rows.push({
    scenario: 'UDP + media TCP blocked',
    measured: `joined in ${round(turn.joinMs)} ms${turn.relayed ? ' through TURN/TLS' : ' NOT relayed'}`,
    target: '≤ 8000 ms, relayed',
    ok: turn.joinMs <= 8000 && turn.relayed,
  });

  const thin = await scenario({}, async (f) => {
    const { site, result } = await thinLink(f, 'lai-chau');
    await site.close();
    return result;
  });
  out.lowBandwidthAudioContinuityPct = thin.continuityPct;
  out.lowBandwidthHubLayer = thin.hubLayer ?? null;
  rows.push({
    scenario: '1 Mbit/s down, 300 kbit/s up',
    measured: `audio ${thin.continuityPct} % unconcealed; hub layer ${thin.hubLayer} (top sent: ${thin.hubTopLayerKbps} kbit/s), ${thin.frameWidth} px; sends ${JSON.stringify(thin.uplinkLayers)}`,
    target: '≥ 99 %, layer < 2',
    ok: thin.continuityPct >= 99 && thin.hubLayer !== undefined && thin.hubLayer < 2,
  });

  const loss = await scenario({}, (f) => lossy(f, 'dien-bien'));
  out.lossyAudioContinuityPct = loss.continuityPct;
  out.lossyBoardState = loss.boardState;
  rows.push({
    scenario: '5 % loss, +300 ms RTT',
    measured: `audio ${loss.continuityPct} % unconcealed; board ${loss.boardState} (${loss.boardReason ?? ''})`,
    target: '≥ 98 %, degraded',
    ok: loss.continuityPct >= 98 && loss.boardState === 'degraded',
  });

  const back = await scenario({ HEARTBEAT_INTERVAL_MS: '1000', HEARTBEAT_TIMEOUT_MS: '2500' }, (f) =>
    linkReturn(f, 'son-la'),
  );
  out.linkReturnRecoveryMs = round(back.recoveryMs);
  rows.push({
    scenario: 'link down 20 s, then up',
    measured: `media again ${round(back.recoveryMs)} ms after; board said ${back.boardWhileDown} meanwhile`,
    target: '≤ 10000 ms, no click',
    ok: back.recoveryMs <= 10_000 && back.stateAfter === 'in-conference',
  });

  const profile = await scenario({}, (f) => learnedProfile(f, 'ha-giang', 'cao-bang', 3));
  out.profileAppliedJoinMs = median(profile.withMs);
  out.profileUnappliedJoinMs = median(profile.withoutMs);
  rows.push({
    scenario: 'learned profile (UDP blocked, 250 kbit/s up)',
    measured: `with ${median(profile.withMs)} ms (${profile.withMs.join(', ')}), without ${median(profile.withoutMs)} ms (${profile.withoutMs.join(', ')}); live: ${profile.liveCandidates.join('+')} offered, ${profile.layersWith} layer`,
    target: 'with < without',
    ok: median(profile.withMs) < median(profile.withoutMs),
  });
} catch (err) {
  failed = true;
  warn(`bench:field failed: ${(err as Error).stack ?? err}`);
}

const pct = (ms: number) => (cpu.wallMs > 0 ? Math.round((ms / cpu.wallMs) * 1000) / 10 : 0);
say('');
say('scenario                                      ok   measured');
for (const r of rows) say(`${r.scenario.padEnd(45)} ${r.ok ? 'yes' : 'NO '}  ${r.measured}  [target ${r.target}]`);
say(
  `cpu (% of one core over ${round(cpu.wallMs / 1000)} s): clients (the pages' Chromium and the hub's libwebrtc process) ${pct(cpu.clientMs)}, service workers+coturn ${pct(cpu.serviceMs)}, signaling server (this process, with the bench) ${pct(cpu.harnessMs)}`,
);
say(
  JSON.stringify({
    udpBlockedJoinMs: null,
    turnTlsJoinMs: null,
    lowBandwidthAudioContinuityPct: null,
    lossyAudioContinuityPct: null,
    linkReturnRecoveryMs: null,
    profileAppliedJoinMs: null,
    ...out,
    clientCpuPct: pct(cpu.clientMs),
    serviceCpuPct: pct(cpu.serviceMs),
    harnessCpuPct: pct(cpu.harnessMs),
    targetsMet: !failed && rows.every((r) => r.ok),
  }),
);
process.exitCode = failed ? 1 : 0;
