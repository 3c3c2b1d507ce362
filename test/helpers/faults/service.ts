// A service in its own process for a fault scenario, stopped by the scenario's scope, and
// watched: an exit nobody asked for is a crash, counted with the output that explains it.
import { type ServerProcess, type ServerProcessOptions, startServerProcess } from '../server-process.js';
import { metricSum } from './metrics.js';
import type { Scope } from './scope.js';

export interface WatchedService {
  readonly server: ServerProcess;
  /** Exits nobody asked for, with the error lines of each. */
  readonly crashes: { code: number | null; signal: string | null; errors: string[] }[];
  /** Start it again the same way (same port) after a crash or a kill; the scope stops the new one. */
  restart(changes?: Partial<ServerProcessOptions>): Promise<ServerProcess>;
  /** Stop it on purpose (SIGTERM): not a crash. */
  stop(): Promise<void>;
  /** Expect the next exit (a kill -9 the scenario makes). */
  expectExit(): void;
}

export async function startWatched(scope: Scope, options: ServerProcessOptions): Promise<WatchedService> {
  const crashes: WatchedService['crashes'] = [];
  let expected = false;
  const watch = (server: ServerProcess) => {
    scope.add(server, `stop the service (pid ${server.pid})`, (s) => s.kill9());
    void server.exited.then(({ code, signal }) => {
      if (!expected) crashes.push({ code, signal, errors: server.errorLines().slice(-10) });
    });
    return server;
  };
  let server = watch(await startServerProcess(options));
  // Later starts reuse the port the first one got.
  const again: ServerProcessOptions = { ...options, env: { ...options.env, PORT: String(server.port) } };
  return {
    get server() {
      return server;
    },
    crashes,
    restart: async (changes = {}) => {
      expected = false;
      server = watch(await startServerProcess({ ...again, ...changes }));
      return server;
    },
    stop: async () => {
      expected = true;
      await server.stop();
    },
    expectExit: () => {
      expected = true;
    },
  };
}

/** Counters of a live service that must stay at zero: bugs and rejections no code handled. */
export async function bugCounters(server: ServerProcess): Promise<{ handlerErrors: number; unhandled: number }> {
  const text = await server.metrics();
  return {
    handlerErrors: metricSum(text, 'giaoban_handler_errors_total'),
    unhandled: metricSum(text, 'giaoban_unhandled_rejections_total'),
  };
}
