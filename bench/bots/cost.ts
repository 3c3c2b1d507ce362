// What load bots cost: N send-only bots (bridge profile: 2 simulcast layers + Opus) join a
// bare mediasoup router in this process, in waves; we time each bot from the start of its join
// to mediasoup's first RTP on its camera, then hold a steady state and read the CPU of this
// Node process (the bots) and of the mediasoup worker separately from /proc, and their RSS.
//
//   node --import tsx bench/bots/cost.ts --bots 64 [--wave 16] [--steady 10] [--profile bridge]
//     [--transport-cc]   negotiate transport-wide congestion control, as Chrome does
//
// Prints a table, then one JSON object as the last line.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { BareSfu, type DirectBot } from './bare-sfu.js';
import { fixtureFiles, loadFixture } from './fixture.js';
import { type BotProfile, installWeriftEnv } from './index.js';

const { values: args } = parseArgs({
  options: {
    bots: { type: 'string', default: '64' },
    wave: { type: 'string', default: '16' },
    steady: { type: 'string', default: '10' },
    profile: { type: 'string', default: 'bridge' },
    'transport-cc': { type: 'boolean', default: false },
  },
});
const BOTS = Number(args.bots);
const WAVE = Number(args.wave);
const STEADY_S = Number(args.steady);
const PROFILE: BotProfile = args.profile === 'hub' ? 'hub' : 'bridge';
const out = (line: string) => process.stdout.write(`${line}\n`);

// ---- /proc ------------------------------------------------------------------------------------
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PAGE = Number(execFileSync('getconf', ['PAGESIZE']).toString().trim()) || 4096;

/** CPU seconds in user and kernel mode, and RSS in bytes, of a process (stat fields 14, 15, 24). */
function procStat(pid: number | 'self'): { userS: number; sysS: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { userS: utime / CLK_TCK, sysS: stime / CLK_TCK, rss: rssPages * PAGE };
}

function cpuMeter(pid: number | 'self') {
  const from = procStat(pid);
  const at = performance.now();
  return () => {
    const to = procStat(pid);
    const seconds = (performance.now() - at) / 1000;
    const user = ((to.userS - from.userS) / seconds) * 100;
    const sys = ((to.sysS - from.sysS) / seconds) * 100;
    return { cpuPct: user + sys, sysPct: sys, rss: to.rss };
  };
}

/** Payload bytes per second one bot's fixtures hold (mic + the profile's camera layers). */
function expectedBytesPerSecond(): number {
  const layers = PROFILE === 'hub' ? 3 : 2;
  const files = [fixtureFiles.audio, ...fixtureFiles.video.slice(fixtureFiles.video.length - layers)];
  return files.reduce((n, file) => {
    const f = loadFixture(file);
    const ticks = f.packets.reduce((t, p) => t + p.tsDelta, 0) + f.loopDelta;
    return n + f.packets.reduce((b, p) => b + p.payload.length, 0) / (ticks / f.clockRate);
  }, 0);
}

const pct = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// ---- the run ----------------------------------------------------------------------------------
async function main(): Promise<void> {
  installWeriftEnv({ transportCc: args['transport-cc'] });
  const sfu = await BareSfu.start();
  const bots: DirectBot[] = [];
  const upMs: number[] = [];
  const t0 = performance.now();
  let lastUpAt = 0;
  let allUp: () => void = () => undefined;
  const allUpPromise = new Promise<void>((r) => {
    allUp = r;
  });
  const joinCpu = cpuMeter('self');
  const joinWorkerCpu = cpuMeter(sfu.worker.pid);

  const joinOne = async () => {
    const start = performance.now();
    const bot = await sfu.join({
      profile: PROFILE,
      receive: false,
      onProducer: (source, producer) => {
        if (source !== 'cam') return;
        // One trace event per RTP packet until switched off: the first one is the moment.
        producer.once('trace', () => {
          const now = performance.now();
          upMs.push(now - start);
          lastUpAt = Math.max(lastUpAt, now - t0);
          producer.enableTraceEvent([]).catch(() => undefined);
          if (upMs.length === BOTS) allUp();
        });
        producer.enableTraceEvent(['rtp']).catch(() => undefined);
      },
    });
    bots.push(bot);
  };

  for (let i = 0; i < BOTS; i += WAVE) {
    await Promise.all(Array.from({ length: Math.min(WAVE, BOTS - i) }, joinOne));
  }
  const joinedAt = performance.now() - t0;
  const timeout = sleep(60_000, undefined, { ref: false }).then(() => 'timeout' as const);
  const up = await Promise.race([allUpPromise.then(() => 'up' as const), timeout]);
  const joinPhase = { bots: joinCpu(), worker: joinWorkerCpu() };

  // Steady state: every bot keeps sending; count those whose camera bytes grew.
  const camBytes = async () =>
    Promise.all(
      bots.map(async (b) => (await b.producers.get('cam')?.getStats())?.reduce((n, s) => n + s.byteCount, 0) ?? 0),
    );
  await sleep(1000);
  // What the bots themselves sent (payload), against what the fixtures hold in the same time:
  // below 100 % the bots fell behind (a starved process drops frames, as an encoder would).
  const sentBytes = () =>
    bots.reduce((n, b) => {
      const { sent } = b.media.stats();
      return n + Object.values(sent).reduce((m, s) => m + s.streams.reduce((k, st) => k + st.bytes, 0), 0);
    }, 0);
  const before = await camBytes();
  const sentBefore = sentBytes();
  const botsCpu = cpuMeter('self');
  const workerCpu = cpuMeter(sfu.worker.pid);
  await sleep(STEADY_S * 1000);
  const steady = { bots: botsCpu(), worker: workerCpu() };
  const after = await camBytes();
  const keptUpPct = ((sentBytes() - sentBefore) / (expectedBytesPerSecond() * BOTS * STEADY_S)) * 100;
  const flowing = after.filter((b, i) => b > (before[i] ?? 0)).length;
  const kbps = ((after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)) * 8) / 1000 / (STEADY_S + 0.001);

  for (const b of bots) await sfu.leave(b);
  sfu.close();

  const result = {
    bots: BOTS,
    wave: WAVE,
    profile: PROFILE,
    transportCc: args['transport-cc'],
    allUp: up === 'up',
    up: upMs.length,
    upP50Ms: Math.round(pct(upMs, 50)),
    upMaxMs: Math.round(Math.max(...upMs)),
    allUpAtMs: Math.round(lastUpAt),
    joinedAtMs: Math.round(joinedAt),
    joinCpuPct: { bots: Math.round(joinPhase.bots.cpuPct), worker: Math.round(joinPhase.worker.cpuPct) },
    steadySeconds: STEADY_S,
    steadyCpuPct: {
      bots: Math.round(steady.bots.cpuPct * 10) / 10,
      worker: Math.round(steady.worker.cpuPct * 10) / 10,
    },
    /** The kernel's share of it (on loopback a sender also pays for the receiving path). */
    steadySysPct: {
      bots: Math.round(steady.bots.sysPct * 10) / 10,
      worker: Math.round(steady.worker.sysPct * 10) / 10,
    },
    rssMB: { bots: Math.round(steady.bots.rss / 2 ** 20), worker: Math.round(steady.worker.rss / 2 ** 20) },
    flowing,
    camKbpsAtSfu: Math.round(kbps),
    keptUpPct: Math.round(keptUpPct),
  };
  const rows: [string, string][] = [
    ['bots (profile, wave)', `${BOTS} (${PROFILE}, waves of ${WAVE}${args['transport-cc'] ? ', transport-cc' : ''})`],
    ['RTP at the SFU from', `${upMs.length}/${BOTS}${up === 'up' ? '' : ' (timed out)'}`],
    ['join -> first RTP p50 / max', `${result.upP50Ms} / ${result.upMaxMs} ms`],
    ['all up after', `${result.allUpAtMs} ms (joins done at ${result.joinedAtMs} ms)`],
    ['CPU during joins: bots / worker', `${result.joinCpuPct.bots} % / ${result.joinCpuPct.worker} %`],
    [
      `steady ${STEADY_S} s CPU: bots / worker`,
      `${result.steadyCpuPct.bots} % / ${result.steadyCpuPct.worker} % of a core` +
        ` (kernel ${result.steadySysPct.bots} % / ${result.steadySysPct.worker} %)`,
    ],
    ['RSS: bots / worker', `${result.rssMB.bots} MB / ${result.rssMB.worker} MB`],
    ['cameras flowing, total at the SFU', `${flowing}/${BOTS}, ${result.camKbpsAtSfu} kbit/s`],
    ['bots kept up with the recording', `${result.keptUpPct} %`],
  ];
  for (const [k, v] of rows) out(`${k.padEnd(36)} ${v}`);
  out(JSON.stringify(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
