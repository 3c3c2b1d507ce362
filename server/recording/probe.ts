// What a finished segment holds, as ffprobe (Debian's ffmpeg package) reads it back: its length
// and its streams. The recording's record keeps what the file really is, not what was meant.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);

const probeOutput = z.object({
  streams: z.array(z.object({ codec_type: z.string(), codec_name: z.string().optional() })).default([]),
  format: z.object({ duration: z.string().optional() }).default({}),
});

export interface MediaProbe {
  /** Seconds, or null when the file does not say (a recorder killed before it finished the file). */
  readonly seconds: number | null;
  readonly streams: readonly { readonly type: string; readonly codec: string }[];
}

/** Probe a media file; throws when ffprobe cannot read it at all. */
export async function probeMedia(file: string, timeoutMs = 10_000): Promise<MediaProbe> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file],
    { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
  );
  const out = probeOutput.parse(JSON.parse(stdout));
  const seconds = Number(out.format.duration);
  return {
    seconds: Number.isFinite(seconds) ? seconds : null,
    streams: out.streams.map((s) => ({ type: s.codec_type, codec: s.codec_name ?? 'unknown' })),
  };
}
