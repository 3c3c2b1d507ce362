// Command-line options of the benchmarks that are not numbers (harness.ts has argNumber).
export function argString(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  return v === undefined || v.startsWith('--') ? fallback : v;
}
