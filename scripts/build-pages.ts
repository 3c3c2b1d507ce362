// Builds the browser pages into public/dist/ (served under /assets/, /join/:siteId and /board):
// pages/<page>/main.ts(x) bundled with esbuild to <page>.js, pages/<page>/style.css bundled
// (its @imports inlined: the base stylesheet both pages share, then the page's own parts) to
// <page>.css, and its HTML copied beside them. The HTML names the bundle with a content hash
// (?v=…), so a new build is never mixed with a cached old one; brotli and gzip copies sit
// beside each file for @fastify/static to serve, since a branch office link is a few Mbit/s.
// Idempotent and fast: run it as often as you like.
//   node --import tsx scripts/build-pages.ts [--quiet]
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

// engine.io-client ships a WebTransport transport that the pages never ask for (they use
// WebSocket, then long polling): leave it out of the bundles.
const noWebTransport: Plugin = {
  name: 'no-webtransport',
  setup(b) {
    b.onResolve({ filter: /\/webtransport\.js$/ }, (args) =>
      /engine\.io-client/.test(args.importer) ? { path: 'webtransport', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export class WT { constructor() { throw new Error("WebTransport is not used"); } }',
      loader: 'js',
    }));
  },
};

const { values } = parseArgs({ options: { quiet: { type: 'boolean', default: false } } });
const root = fileURLToPath(new URL('..', import.meta.url));
/** Each page: pages/<name>/{main.ts(x),style.css,index.html} → public/dist/<name>.{js,css,html}. */
const pages = ['site', 'board'] as const;
/** The board is written in JSX (Preact), the site page in plain TypeScript. */
const entries: Record<(typeof pages)[number], string> = { site: 'main.ts', board: 'main.tsx' };
const dist = `${root}public/dist/`;

const started = performance.now();
await mkdir(dist, { recursive: true });

// One build per page, so what the two pages share is not split into a chunk both must fetch:
// only a panel imported lazily (import()) becomes a chunk of its own.
const results = await Promise.all(
  pages.map((page) =>
    build({
      entryPoints: [
        { in: `${root}pages/${page}/${entries[page]}`, out: page },
        { in: `${root}pages/${page}/style.css`, out: page },
      ],
      outdir: dist,
      bundle: true,
      format: 'esm',
      // Panels used a few times a day (the board's schedule) load when first opened.
      splitting: true,
      chunkNames: `${page}-chunk-[hash]`,
      platform: 'browser',
      // What a branch office PC runs: any Chromium-based browser (Chrome, Cốc Cốc, Edge) or
      // Firefox of the last few years.
      target: ['chrome100', 'firefox115', 'safari16'],
      minify: true,
      sourcemap: true,
      legalComments: 'none',
      // Module scripts are always read as UTF-8: the Vietnamese words stay as they are instead of
      // \u escapes, which would make them twice as long.
      charset: 'utf8',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      // mediasoup-client's `debug` dependency reads process.env in Node; in the page it is off.
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'warning',
      metafile: true,
      plugins: [noWebTransport],
    }),
  ),
);
const outputs = Object.assign(
  {},
  ...results.map((r) => r.metafile.outputs),
) as (typeof results)[number]['metafile']['outputs'];

/** What a page fetches before it can run: its bundle and the chunks it imports statically. */
function initialBytes(file: string, seen = new Set<string>()): number {
  if (seen.has(file)) return 0;
  seen.add(file);
  const out = outputs[file];
  if (!out) return 0;
  return (
    out.bytes +
    out.imports.filter((i) => i.kind === 'import-statement').reduce((n, i) => n + initialBytes(i.path, seen), 0)
  );
}

const hash = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
    .slice(0, 10);
const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
for (const page of pages) {
  const html = (await readFile(`${root}pages/${page}/index.html`, 'utf8'))
    .replace(`/assets/${page}.js`, `/assets/${page}.js?v=${await hash(`${dist}${page}.js`)}`)
    .replace(`/assets/${page}.css`, `/assets/${page}.css?v=${await hash(`${dist}${page}.css`)}`);
  const chunks = Object.keys(outputs)
    .filter((f) => f.startsWith(`public/dist/${page}-chunk-`) && f.endsWith('.js'))
    .map((f) => f.slice('public/dist/'.length));
  await Promise.all(
    [`${page}.js`, `${page}.css`, ...chunks].map(async (name) => {
      const data = await readFile(`${dist}${name}`);
      await writeFile(`${dist}${name}.br`, await brotli(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 7 } }));
      await writeFile(`${dist}${name}.gz`, await gz(data, { level: 9 }));
    }),
  );
  // Written last and renamed into place, so the server never serves a half-written page.
  await writeFile(`${dist}${page}.html.tmp`, html);
  await rename(`${dist}${page}.html.tmp`, `${dist}${page}.html`);
}

// Chunks of earlier builds (their names carry the hash of what they held) go.
const current = new Set(Object.keys(outputs).map((f) => f.slice('public/dist/'.length)));
for (const name of await readdir(dist)) {
  const base = name.replace(/\.(br|gz|map)$/, '');
  if (/^(site|board)-chunk-/.test(base) && !current.has(base)) await rm(`${dist}${name}`, { force: true });
}

if (!values.quiet) {
  const sizes = await Promise.all(
    pages.map(async (page) => {
      const js = initialBytes(`public/dist/${page}.js`);
      // Brotli of everything fetched at first load, not of the entry alone.
      const first = [`public/dist/${page}.js`];
      for (let i = 0; i < first.length; i++) {
        for (const imp of outputs[first[i] as string]?.imports ?? [])
          if (imp.kind === 'import-statement' && !first.includes(imp.path)) first.push(imp.path);
      }
      let br = 0;
      for (const f of first) br += (await readFile(`${root}${f}.br`)).length;
      const lazy = Object.entries(outputs)
        .filter(([f]) => f.startsWith(`public/dist/${page}-chunk-`) && f.endsWith('.js'))
        .reduce((n, [, o]) => n + o.bytes, 0);
      return `${page} ${Math.round(js / 1024)} KiB at first load (${Math.round(br / 1024)} KiB brotli)${lazy ? ` + ${Math.round((lazy - js + (outputs[`public/dist/${page}.js`]?.bytes ?? 0)) / 1024)} KiB loaded when needed` : ''}`;
    }),
  );
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `build-pages: public/dist/{${pages.join(',')}}.{html,js,css}: ${sizes.join(', ')} in ${ms} ms\n`,
  );
}
