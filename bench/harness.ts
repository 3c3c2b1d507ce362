// Shared by the benchmarks: run the real service as a child process (so its CPU can be told
// apart from the benchmark's own peers), read CPU and memory from /proc, and summarise.
import { readFileSync } from 'node:fs';
import { type ServerProcess, startServerProcess } from '../test/helpers/server-process.js';

export { freePort, root, type ServerProcess } from '../test/helpers/server-process.js';
export const OPERATOR_TOKEN = 'bench-operator-token-0123456789';

/**
 * The service in its own process (test/helpers/server-process.ts, shared with the fault
 * tests), with the settings of the caller's environment and its output on this terminal.
 */
export function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({
    env: { OPERATOR_TOKEN, LOG_LEVEL: 'warn', ...env },
    inheritSettings: true,
    output: 'inherit',
  });
}

/** CPU time (ms) of a process from /proc: user + system. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Measure CPU % of one core for the given pids and this process over `ms`. */
export async function measureCpu(pids: { server: number; workers: number[]; clients?: number[] }, ms: number) {
  const t0 = performance.now();
  const s0 = cpuMs(pids.server);
  const w0 = pids.workers.map(cpuMs);
  const k0 = (pids.clients ?? []).map(cpuMs);
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, ms));
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const pct = (used: number) => Math.round((used / wall) * 1000) / 10;
  const sum = (ps: number[], before: number[]) => ps.reduce((a, p, i) => a + cpuMs(p) - (before[i] ?? 0), 0);
  return {
    serverCpuPct: pct(cpuMs(pids.server) - s0),
    workerCpuPct: pct(sum(pids.workers, w0)),
    // The benchmark's peers: its own process and the peer hosts.
    clientCpuPct: pct((c.user + c.system) / 1000 + sum(pids.clients ?? [], k0)),
  };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

export function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} expects a number`);
  return v;
}

export const round = (n: number) => Math.round(n);
