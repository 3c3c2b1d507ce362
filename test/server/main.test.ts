// The real entry point as a child process: start-up, readiness with a real worker, SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d;
  });
  return { child, out: () => stdout, err: () => stderr };
}

async function until(cond: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exitOf = async (child: ChildProcess) => {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number;
};

const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'giaoban-data-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

t.test('starts with defaults, is ready with a real worker, exits 0 on SIGTERM', async (t) => {
  const data = dataDir();
  const p = run({ PORT: '0', HOST: '127.0.0.1', MEDIA_PORT: '0', MEDIA_WORKERS: '1', DATA_DIR: data.dir });
  t.teardown(() => {
    p.child.kill('SIGKILL');
    data.remove();
  });
  await until(() => p.out().includes('giao-ban ready'), 30_000, 'the ready log line');
  const lines = p
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const worker = lines.find((l) => l.msg === 'mediasoup worker started');
  t.ok(typeof worker?.pid === 'number' && worker.pid > 0, `worker pid ${String(worker?.pid)} in the log`);
  const ready = lines.find((l) => l.msg === 'giao-ban ready');
  const url = String(ready?.url);
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(ready?.store, 'redis', 'the default store is the private redis-server');
  t.equal(ready?.data, join(data.dir, 'redis'), 'its data lives in DATA_DIR');
  t.equal(ready?.sites, 64);
  const res = await fetch(`${url}/readyz`);
  t.equal(res.status, 200);
  const body = (await res.json()) as { ready: boolean; media: { workerPids: number[] } };
  t.equal(body.ready, true);
  t.same(body.media.workerPids, [worker?.pid]);
  // With no OPERATOR_TOKEN, one is generated and printed once; it works.
  const token = /Operator token[^\n]*\n\s+(\S+)/.exec(p.err())?.[1];
  t.ok(token, 'the generated operator token was printed');
  const sites = await fetch(`${url}/api/sites`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(sites.status, 200);

  const started = Date.now();
  p.child.kill('SIGTERM');
  t.equal(await exitOf(p.child), 0, 'exit code 0');
  t.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms`);
  t.match(p.out(), /"msg":"stopped"/);
  // The worker exits when its channel closes; give it a moment, then it must be gone.
  const gone = () => {
    try {
      process.kill(Number(worker?.pid), 0);
      return false;
    } catch {
      return true; // ESRCH: no such process
    }
  };
  await until(gone, 3000, 'the worker process to exit').catch(() => undefined);
  t.ok(gone(), 'the worker process is gone');
});

t.test('an invalid setting stops start-up naming it', async (t) => {
  const p = run({ PORT: 'abc' });
  t.equal(await exitOf(p.child), 2);
  t.match(p.err(), /PORT: expected a TCP port/);
  t.match(p.err(), /"abc"/);
});

t.test('an unreachable Redis stops start-up with a clear message', async (t) => {
  const p = run({ PORT: '0', MEDIA_PORT: '0', REDIS_URL: 'redis://127.0.0.1:1' });
  t.equal(await exitOf(p.child), 1);
  t.match(p.err(), /REDIS_URL: cannot connect to Redis at 127\.0\.0\.1:1/);
});
