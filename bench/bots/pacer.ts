// One timer drives every recorded source of every bot in the process: 64 bots with a
// microphone and 2-3 camera layers would otherwise run up to 256 timers. Each source keeps its
// own schedule (performance.now() based), so the tick only has to come often enough; 10 ms
// keeps the send times within half an Opus frame of the recorded ones.
import { performance } from 'node:perf_hooks';

export const TICK_MS = 10;

type Tick = (now: number) => void;

const ticks = new Set<Tick>();
let timer: NodeJS.Timeout | undefined;

function driveSources(): void {
  const now = performance.now();
  for (const tick of ticks) tick(now);
}

/** Calls tick every TICK_MS until the returned function is called; the timer stops with the last. */
export function everyTick(tick: Tick): () => void {
  ticks.add(tick);
  timer ??= setInterval(driveSources, TICK_MS);
  return () => {
    ticks.delete(tick);
    if (ticks.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** Sources registered now (for tests: zero once every bot has closed). */
export function pacedSources(): number {
  return ticks.size;
}
