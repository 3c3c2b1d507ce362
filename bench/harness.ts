// Shared by the benchmarks: run the real service as a child process (so its CPU can be told
// apart from the benchmark's own peers), read CPU and memory from /proc, and summarise.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const OPERATOR_TOKEN = 'bench-operator-token-0123456789';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (typeof addr !== 'object' || !addr) throw new Error('no port');
  return addr.port;
}

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly workerPids: number[];
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      MEDIA_PORT: '0',
      OPERATOR_TOKEN,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const deadline = Date.now() + 30_000;
  let ready: { ready: boolean; media: { workerPids: number[] } } | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) {
        ready = (await res.json()) as typeof ready;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!ready) throw new Error('the server did not become ready in 30 s');
  return {
    url,
    pid: child.pid ?? 0,
    workerPids: ready.media.workerPids,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
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
