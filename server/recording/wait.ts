// Waiting for something with a limit, without leaving a timer behind: a recording must not hold
// the process open after the service has closed.

/** `promise`'s value, or `fallback` once `ms` have passed (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
