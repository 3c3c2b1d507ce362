// What a fault scenario started (processes, redis-servers, peers, sockets, temp dirs), stopped
// in reverse order when the scenario ends, also when it fails half-way. A cleanup that fails
// does not stop the others; its error is reported with the scenario's own.
export class Scope {
  readonly #cleanups: { what: string; run: () => unknown }[] = [];

  /** Register a cleanup; returns `value` so a start and its cleanup read as one line. */
  add<T>(value: T, what: string, cleanup: (value: T) => unknown): T {
    this.#cleanups.push({ what, run: () => cleanup(value) });
    return value;
  }

  defer(what: string, cleanup: () => unknown): void {
    this.#cleanups.push({ what, run: cleanup });
  }

  /** Run every cleanup, newest first; returns the failures. */
  async close(): Promise<Error[]> {
    const failures: Error[] = [];
    for (const { what, run } of this.#cleanups.splice(0).reverse()) {
      try {
        await run();
      } catch (err) {
        failures.push(new Error(`cleanup "${what}" failed: ${(err as Error).message}`, { cause: err }));
      }
    }
    return failures;
  }
}

/**
 * Run a scenario with a scope that is closed whatever happens. A failed cleanup fails a
 * scenario that otherwise passed; when the scenario itself failed, its error wins and the
 * cleanup failures ride along as warnings, so neither hides the other.
 */
export async function withScope<T>(run: (scope: Scope) => Promise<T>): Promise<T> {
  const scope = new Scope();
  let result: T;
  try {
    result = await run(scope);
  } catch (err) {
    for (const failure of await scope.close()) process.emitWarning(failure.message, 'FaultCleanupWarning');
    throw err;
  }
  const failures = await scope.close();
  if (failures.length > 0) throw new AggregateError(failures, failures.map((f) => f.message).join('; '));
  return result;
}
