// For the recording tests: what ffprobe finds in a segment, and whether a process still runs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Probed {
  readonly seconds: number;
  readonly streams: { codec_type: string; codec_name: string }[];
  /** Whether the first video frame is a key frame (a file must start with one to play). */
  readonly startsWithKeyFrame: boolean;
}

/** ffprobe as the issue gives it, plus the first video frame's key flag. */
export async function probe(file: string): Promise<Probed> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type,codec_name',
    '-of',
    'json',
    file,
  ]);
  const info = JSON.parse(stdout) as {
    format: { duration?: string };
    streams: { codec_type: string; codec_name: string }[];
  };
  const { stdout: first } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-read_intervals',
    '%+#1',
    '-show_entries',
    'frame=key_frame',
    '-of',
    'csv=p=0',
    file,
  ]);
  return {
    seconds: Number(info.format.duration ?? Number.NaN),
    streams: info.streams,
    startsWithKeyFrame: first.trim().split('\n')[0] === '1',
  };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}
