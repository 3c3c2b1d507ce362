// The technician's page: GET /join/:siteId serves it for any id (the page learns whether its
// link is valid from the signaling server, so this route says nothing about which ids exist),
// and its script and stylesheet are static files under /assets/. Both come from public/dist,
// built by scripts/build-pages.ts; until it is built, they answer 503 saying so.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const builtDir = fileURLToPath(new URL('../../public/dist/', import.meta.url));

const notBuilt = () => new AppError('not_ready', 'pages are not built; run npm start (or scripts/setup.sh)');

/**
 * Scripts and styles only from this server; media and the signaling socket to this server;
 * no framing (the page holds a join token), no plugins, no forms.
 */
function contentSecurityPolicy(req: FastifyRequest): string {
  // 'self' covers ws(s) of the same origin in current browsers; older ones need it spelled out.
  const ws = req.protocol === 'https' ? 'wss' : 'ws';
  const host = /^[a-z0-9.:[\]-]+$/i.test(req.host) ? ` ${ws}://${req.host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src 'self'${host}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function pageHeaders(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .header('Referrer-Policy', 'no-referrer')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', contentSecurityPolicy(req))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Permissions-Policy', 'camera=(self), microphone=(self), speaker-selection=(self), display-capture=()');
}

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
    return pageHeaders(req, reply).type('text/html; charset=utf-8').send(html);
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
