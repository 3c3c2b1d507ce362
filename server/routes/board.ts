// The operator's status board: GET /board serves public/dist/board.html (built by
// scripts/build-pages.ts); its script and stylesheet come from the /assets/ prefix that
// pages.ts serves. The page itself holds no data: everything it shows needs the operator token.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../kernel/errors.js';
import { sendPage } from './page-headers.js';

const pageFile = fileURLToPath(new URL('../../public/dist/board.html', import.meta.url));

// The board holds the operator token: it may use no device at all.
const boardPolicy = {
  csp: ["img-src 'self' data:"],
  permissions: 'camera=(), microphone=(), display-capture=(), geolocation=()',
};

export async function boardRoutes(app: FastifyInstance) {
  app.get('/board', async (req, reply) => {
    let html: string;
    try {
      html = await readFile(pageFile, 'utf8');
    } catch {
      throw new AppError('not_ready', 'the board is not built; run npm start (or scripts/setup.sh)');
    }
    return sendPage(req, reply, html, boardPolicy);
  });
}
