// The headers every served page carries: no referrer (join links carry a token in the
// fragment), no caching, a strict content security policy, and what the page may use.
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface PagePolicy {
  /** Extra CSP directives, e.g. media from blob: for a page that plays video. */
  readonly csp: readonly string[];
  /** The Permissions-Policy value: which devices the page may ask for. */
  readonly permissions: string;
}

/** Scripts and styles only from this server, the API and socket on it; no framing, plugins or forms. */
function contentSecurityPolicy(req: FastifyRequest, extra: readonly string[]): string {
  // 'self' covers ws(s) of the same origin in current browsers; older ones need it spelled out.
  const ws = req.protocol === 'https' ? 'wss' : 'ws';
  const host = /^[a-z0-9.:[\]-]+$/i.test(req.host) ? ` ${ws}://${req.host}` : '';
  // With several nodes, the page may move to another node's address after a failover.
  const nodes = req.server.deps.nodeOrigins().flatMap((o) => [o, o.replace(/^http/, 'ws')]);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${host}${nodes.length ? ` ${nodes.join(' ')}` : ''}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    ...extra,
  ].join('; ');
}

export function sendPage(req: FastifyRequest, reply: FastifyReply, html: string, policy: PagePolicy): FastifyReply {
  return reply
    .header('Referrer-Policy', 'no-referrer')
    .header('Cache-Control', 'no-store')
    .header('Content-Security-Policy', contentSecurityPolicy(req, policy.csp))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Permissions-Policy', policy.permissions)
    .type('text/html; charset=utf-8')
    .send(html);
}
