// The room PC's CPU pressure, from the browser's Compute Pressure API where it exists
// (Chromium 125+): reported to the server with the link figures, so a rehearsal can tell a
// busy computer from a bad link. Elsewhere the page reports none.
type PressureState = 'nominal' | 'fair' | 'serious' | 'critical';

interface PressureRecord {
  readonly state: PressureState;
}
interface PressureObserverLike {
  observe(source: 'cpu', options?: { sampleInterval?: number }): Promise<void>;
}
type PressureObserverCtor = new (callback: (records: PressureRecord[]) => void) => PressureObserverLike;

let latest: PressureState | undefined;
let watching = false;

/** Start watching (once); `current()` then gives the latest state. */
export function watchCpuPressure(): void {
  const Observer = (globalThis as { PressureObserver?: PressureObserverCtor }).PressureObserver;
  if (!Observer || watching) return;
  watching = true;
  const observer = new Observer((records) => {
    latest = records.at(-1)?.state ?? latest;
  });
  observer.observe('cpu', { sampleInterval: 2000 }).catch((err: unknown) => {
    console.warn('CPU pressure is not available here', err);
  });
}

export const currentCpuPressure = (): PressureState | undefined => latest;
