// The real service as a child process (server/main.ts under tsx), for the fault tests and the
// benchmarks: its own pid to kill -9, SIGSTOP or SIGTERM, its own CPU to read, its own exit
// to count as a crash. Started with a given environment, ready once /readyz answers 200.
// Every process started here is killed when this process exits, so a failed test or bench
// leaves none behind; callers still stop what they start (kill9/stop are safe to repeat).
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { settingsSchema } from '../../config/schema.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const OPERATOR_TOKEN = 'fault-operator-token-0123456789';

/** Children of this process that must not outlive it (killed on exit, whatever ended it). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Track a child so it is killed when this process exits; forgotten once it exits itself. */
export function ownChild(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (typeof addr !== 'object' || !addr) throw new Error('no free port');
  return addr.port;
}

async function portFree(port: number): Promise<boolean> {
  const tcp = createServer();
  const tcpOk = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen(port, '0.0.0.0', () => resolve(true));
  });
  if (tcpOk) await new Promise((r) => tcp.close(r));
  if (!tcpOk) return false;
  const udp = createSocket('udp4');
  const udpOk = await new Promise<boolean>((resolve) => {
    udp.once('error', () => resolve(false));
    udp.bind(port, '0.0.0.0', () => resolve(true));
  });
  await new Promise<void>((r) => udp.close(() => r()));
  return udpOk;
}

/**
 * A first media port such that `count` consecutive ports are free for UDP and TCP: a fixed
 * MEDIA_PORT, so a restarted service (or a replaced worker) listens where the clients were.
 */
export async function freeMediaPort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = await portFree(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free media ports found`);
}

export interface ServerProcessOptions {
  /** Settings for the service; `undefined` removes a default (e.g. OPERATOR_TOKEN, to have one generated). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Keep the service settings found in this process's environment (the benchmarks let a user
   * pass them). Default false: only the given settings apply, so a test is not changed by the
   * shell it runs in.
   */
  readonly inheritSettings?: boolean;
  /** 'capture' (default): kept in memory, shown when start-up fails; 'inherit': this process's stdout/stderr. */
  readonly output?: 'capture' | 'inherit';
  /** How long start-up may take until /readyz says 200. Default 30 s. */
  readonly readyTimeoutMs?: number;
  /** Extra node flags (e.g. --cpu-prof to see where the service spends its time). */
  readonly nodeArgs?: readonly string[];
  /** The token for API calls when it is not in the settings (one generated at an earlier start). */
  readonly operatorToken?: string;
}

export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

export interface ReadyReply {
  readonly ready: boolean;
  readonly media: { readonly healthy: boolean; readonly workerPids: number[] };
  readonly store: { readonly kind: string; readonly ok: boolean; readonly pendingWrites: number };
}

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** The mediasoup workers' pids when it became ready. */
  readonly workerPids: number[];
  /** The environment it was started with, to start it again the same way. */
  readonly options: ServerProcessOptions;
  /** performance.now() when it was spawned, and when /readyz first said 200. */
  readonly spawnedAt: number;
  readonly readyAt: number;
  /** The operator token: the configured one, or the one the service printed at its first start. */
  readonly operatorToken: string | undefined;
  /** The token banner printed by this start, if any (a generated token is printed once only). */
  readonly printedOperatorToken: string | undefined;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** The captured output (head and tail), for failure messages. */
  output(): string;
  /** Log lines at level error or fatal (the first 200), e.g. "handler failed" with its stack. */
  errorLines(): string[];
  /** Any API call; `token` defaults to the operator token; fails after `timeoutMs` (default 15 s). */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string | null; timeoutMs?: number },
  ): Promise<ApiReply>;
  /** GET/POST that throw unless 2xx (the benchmarks' shape). */
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  readyz(): Promise<{ status: number; body: ReadyReply }>;
  /** The Prometheus text of /metrics. */
  metrics(): Promise<string>;
  /** SIGTERM, and wait for the exit. */
  stop(timeoutMs?: number): Promise<void>;
  /** kill -9, and wait until it and its media workers are gone. */
  kill9(): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

const settingNames = new Set([...Object.keys(settingsSchema.shape), 'CONFIG_FILE']);
const TOKEN_BANNER = /Operator token[^\n]*\n\s+(\S+)/;
/** The mediasoup worker's command name as /proc shows it (truncated to 15 characters). */
const WORKER_NAME = 'mediasoup-worke';
const KEEP_HEAD = 16 * 1024;
const KEEP_TAIL = 64 * 1024;

function baseEnv(inheritSettings: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (inheritSettings || !settingNames.has(k))) env[k] = v;
  }
  return env;
}

/** A process's command name (/proc/<pid>/comm, at most 15 characters), or undefined once it is gone. */
export function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch (err) {
    // ENOENT: no such process (any more).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A process's children whose command name starts with `name`, from /proc (Linux). */
export function childPids(pid: number, name: string): number[] {
  const found: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ').map(Number) : []) {
        if (processName(c)?.startsWith(name)) found.push(c);
      }
    }
  } catch (err) {
    // The process exited while being read: what was found is the answer.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return found;
}

/** Start the service and wait until it is ready. */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const given = options.env ?? {};
  const port = given.PORT !== undefined ? Number(given.PORT) : await freePort();
  const env = baseEnv(options.inheritSettings ?? false);
  const defaults: Record<string, string> = {
    HOST: '127.0.0.1',
    MEDIA_PORT: '0',
    OPERATOR_TOKEN,
    LOG_LEVEL: 'warn',
    // A live session's recording (ffmpeg) only where a test asks for it.
    RECORDING_AUTO: 'false',
  };
  for (const [k, v] of Object.entries({ ...defaults, ...given, PORT: String(port) })) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const capture = (options.output ?? 'capture') === 'capture';
  const spawnedAt = performance.now();
  const child = ownChild(
    spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'server/main.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    }),
  );
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  let head = '';
  let tail = '';
  let printed: string | undefined;
  const errors: string[] = [];
  let partial = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    const lines = (partial + text).split('\n');
    partial = (lines.pop() ?? '').slice(-KEEP_TAIL);
    for (const line of lines) {
      if (errors.length < 200 && /"level":(50|60)\b/.test(line)) errors.push(line);
    }
    if (head.length < KEEP_HEAD) head += text.slice(0, KEEP_HEAD - head.length);
    tail = (tail + text).slice(-KEEP_TAIL);
    printed ??= TOKEN_BANNER.exec(head)?.[1];
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => (head.length < KEEP_HEAD ? head : `${head}\n[…]\n${tail}`);

  const url = `http://127.0.0.1:${port}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  let operatorToken = env.OPERATOR_TOKEN ?? options.operatorToken;
  const request = async (
    method: string,
    path: string,
    opts: { body?: unknown; token?: string | null; timeoutMs?: number } = {},
  ) => {
    const token = opts.token === undefined ? operatorToken : opts.token;
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      // A frozen or wedged service fails the call instead of hanging the caller.
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text) as unknown;
    return { status: res.status, body };
  };
  const strict = async (method: string, path: string, body?: unknown) => {
    const reply = await request(method, path, body === undefined ? {} : { body });
    if (reply.status < 200 || reply.status > 299)
      throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const readyz = async () => {
    const reply = await request('GET', '/readyz', { token: null });
    return { status: reply.status, body: reply.body as ReadyReply };
  };

  const deadline = performance.now() + (options.readyTimeoutMs ?? 30_000);
  let ready: ReadyReply | undefined;
  try {
    while (!ready) {
      if (spawnError) throw new Error(`the service could not be started: ${spawnError.message}`);
      if (!alive()) throw new Error(`the service exited with ${child.exitCode ?? child.signalCode} during start-up`);
      if (performance.now() > deadline) throw new Error('the service was not ready in time');
      try {
        const r = await readyz();
        if (r.status === 200) ready = r.body;
      } catch {
        // Not listening yet: try again shortly.
      }
      if (!ready) await sleep(100);
    }
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${(err as Error).message}\n--- its output ---\n${output()}`);
  }
  const readyAt = performance.now();
  operatorToken ??= printed;
  const workerPids = ready.media.workerPids;

  return {
    url,
    port,
    pid: child.pid ?? 0,
    workerPids,
    options,
    spawnedAt,
    readyAt,
    get operatorToken() {
      return operatorToken;
    },
    get printedOperatorToken() {
      return printed;
    },
    exited,
    get alive() {
      return alive();
    },
    output,
    errorLines: () => [...errors],
    request,
    get: (path) => strict('GET', path),
    post: (path, body) => strict('POST', path, body),
    readyz,
    metrics: async () => {
      const reply = await request('GET', '/metrics');
      if (reply.status !== 200) throw new Error(`GET /metrics: ${reply.status}`);
      return String(reply.body);
    },
    stop: async (timeoutMs = 10_000) => {
      if (!alive()) return;
      child.kill('SIGTERM');
      // A stopped process (SIGSTOP) handles its SIGTERM only once it runs again.
      child.kill('SIGCONT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    kill9: async () => {
      if (!alive()) {
        await exited;
        return;
      }
      // Its media workers now (a replaced one has a new pid); the private redis-server is left
      // alone: it is meant to outlive a kill -9 of the service.
      const workers = childPids(child.pid ?? 0, WORKER_NAME);
      child.kill('SIGKILL');
      await exited;
      // The workers notice their parent's end through their closed pipes and exit; a fixed
      // MEDIA_PORT is free for the next start only then. Only a process still named as a
      // worker is killed, so a reused pid is never touched.
      const isWorker = (pid: number) => processName(pid)?.startsWith(WORKER_NAME) === true;
      const end = performance.now() + 5000;
      while (workers.some(isWorker) && performance.now() < end) await sleep(50);
      for (const pid of workers.filter(isWorker)) process.kill(pid, 'SIGKILL');
    },
    signal: (sig) => {
      if (alive()) child.kill(sig);
    },
  };
}
