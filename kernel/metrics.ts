// The service's Prometheus registry: one per running service (tests run several in one
// process), handed to every part that counts something. Each part declares its own metrics
// through these helpers, which return the existing metric when it is declared twice.
import { Counter, Gauge, Registry } from 'prom-client';

export type MetricsRegistry = Registry;

export function createRegistry(): MetricsRegistry {
  return new Registry();
}

export function counter<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  opts: { labelNames?: readonly L[]; collect?: (this: Gauge<L>) => void | Promise<void> } = {},
): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({
    name,
    help,
    labelNames: opts.labelNames ?? [],
    registers: [registry],
    ...(opts.collect ? { collect: opts.collect } : {}),
  });
}

/**
 * A counter whose total another part keeps (a count since start): read at scrape time and
 * exposed with the counter type, so rate() works on it.
 */
export function countedBy<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  read: () => [labels: Partial<Record<L, string>>, total: number][],
  labelNames: readonly L[] = [],
): Counter<L> {
  const last = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const delta = total - (last.get(key) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        else if (!last.has(key)) this.inc(labels, 0);
        last.set(key, total);
      }
    },
  });
}
