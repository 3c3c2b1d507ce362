// The operator's status board: GET /board serves public/dist/board.html (built by
// scripts/build-pages.ts); its script and stylesheet come from the /assets/ prefix that
// pages.ts serves. The page itself holds no data: everything it shows needs the operator token.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const pageFile = fileURLToPath(new URL('../../public/dist/board.html', import.meta.url));

/**
 * Scripts and styles only from this server, the API and the socket on this server; no framing
 * (the page holds the operator token), no plugins, no media, no form submission.
 */
function contentSecurityPolicy(req: FastifyRequest): string {
  // 'self' covers ws(s) of the same origin in current browsers; older ones need it spelled out.
  const ws = req.protocol === 'https' ? 'wss' : 'ws';
  const host = /^[a-z0-9.:[\]-]+$/i.test(req.host) ? ` ${ws}://${req.host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${host}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function boardRoutes(app: FastifyInstance) {
  app.get('/board', async (req, reply) => {
    let html: string;
    try {
      html = await readFile(pageFile, 'utf8');
    } catch {
      throw new AppError('not_ready', 'the board is not built; run npm start (or scripts/setup.sh)');
    }
    return reply
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'no-referrer')
      .header('Content-Security-Policy', contentSecurityPolicy(req))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Permissions-Policy', 'camera=(), microphone=(), display-capture=(), geolocation=()')
      .type('text/html; charset=utf-8')
      .send(html);
  });
}
