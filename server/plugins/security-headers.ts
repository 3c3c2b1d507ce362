// Security headers on every response (@fastify/helmet): API answers are data, never a page, so
// their policy forbids everything; served pages set their own policy (routes/page-headers.ts).
// HSTS only when this server itself speaks HTTPS.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function securityHeaders(app: FastifyInstance, opts: { tls: boolean }) {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    hsts: opts.tls ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    // The pages load only their own scripts; cross-origin isolation would break nothing, but a
    // branch's proxy may inject resources, so leave the embedder policy off.
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
