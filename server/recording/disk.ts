// Free disk space where recordings go: a recording never starts (and stops) when it runs low, so
// it cannot fill the disk the store and the logs live on too.
import { mkdir, statfs, unlink } from 'node:fs/promises';
import type { Logger } from '../../kernel/logger.js';

/** Megabytes an unprivileged writer may still use under `dir` (created if missing). */
export async function freeMegabytes(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const s = await statfs(dir);
  return Math.floor((s.bavail * s.bsize) / (1024 * 1024));
}

/** Remove a file that may not exist (a recorder that never began it). */
export async function removeFile(path: string, log: Logger): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, path }, 'could not remove a file');
  }
}
