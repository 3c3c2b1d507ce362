// The technician's page: GET /join/:siteId serves it for any id (the page learns whether its
// link is valid from the signaling server, so this route says nothing about which ids exist),
// and its script and stylesheet are static files under /assets/. Both come from public/dist,
// built by scripts/build-pages.ts; until it is built, they answer 503 saying so.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import { sendPage } from './page-headers.js';

const builtDir = fileURLToPath(new URL('../../public/dist/', import.meta.url));

const notBuilt = () => new AppError('not_ready', 'pages are not built; run npm start (or scripts/setup.sh)');

// The technician's page plays and captures media and picks its devices.
const sitePolicy = {
  csp: ["img-src 'self' data: blob:", "media-src 'self' blob: mediastream:", "manifest-src 'self'"],
  permissions: 'camera=(self), microphone=(self), speaker-selection=(self), display-capture=()',
};

export interface PageRoutesOptions {
  /** Where the built pages are; public/dist by default (a test may point elsewhere). */
  readonly distDir?: string;
}

export async function pageRoutes(app: FastifyInstance, opts: PageRoutesOptions = {}) {
  const distDir = opts.distDir ?? builtDir;
  const pageFile = join(distDir, 'site.html');
  app.get('/join/:siteId', async (req, reply) => {
    let html: string;
    try {
      html = await readFile(pageFile, 'utf8');
    } catch {
      throw notBuilt();
    }
    return sendPage(req, reply, html, sitePolicy);
  });

  // The assets are named without a hash (the page asks for them with ?v=<hash>): browsers
  // revalidate them, so a new build is picked up at once.
  await app.register(async (assets) => {
    assets.addHook('onRequest', async () => {
      if (!existsSync(distDir)) throw notBuilt();
    });
    await assets.register(fastifyStatic, {
      root: distDir,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      cacheControl: true,
      maxAge: 0,
      // build-pages.ts writes .br and .gz beside each file: ~110 KiB instead of ~500 KiB.
      preCompressed: true,
      setHeaders: (res) => res.setHeader('Vary', 'Accept-Encoding'),
    });
  });
}
