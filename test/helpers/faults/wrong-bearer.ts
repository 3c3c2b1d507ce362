// 2,000 requests with wrong bearer tokens against the operator API from one client address
// (127.0.0.2): after the first ~20 the address is refused outright (429 rate_limited) without
// its token being looked at; the service stays up, and the right token from another address
// (127.0.0.1) still works at once.

import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { errorBodyProblem } from './ack-shape.js';
import { withScope } from './scope.js';
import { startWatched } from './service.js';

export interface WrongBearerOptions {
  readonly requests: number;
  /** The address the wrong tokens come from. Default 127.0.0.2. */
  readonly fromAddress?: string;
  readonly concurrency?: number;
}

export interface WrongBearerResult {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  /** Bodies that are not `{ error: { code, message } }`. */
  readonly badBodies: string[];
  /** The right token from 127.0.0.1 right after the flood of wrong ones. */
  readonly rightTokenStatus: number;
  readonly rightTokenMs: number;
  readonly durationMs: number;
  readonly authRefused: Record<string, number>;
  readonly crashes: number;
  readonly problems: string[];
}

function call(port: number, agent: Agent, localAddress: string, token: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/sites',
        agent,
        localAddress,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function runWrongBearer(opts: WrongBearerOptions): Promise<WrongBearerResult> {
  const from = opts.fromAddress ?? '127.0.0.2';
  return withScope(async (scope) => {
    const service = await startWatched(scope, { env: { MEDIA_WORKERS: '1', STORE: 'memory' } });
    const { server } = service;
    const agent = scope.add(
      new Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 20 }),
      'close the agent',
      (a) => a.destroy(),
    );
    const byStatus: Record<string, number> = {};
    const badBodies: string[] = [];
    const t0 = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < opts.requests) {
        next++;
        // Every kind of wrong: random, empty-looking, long, almost right.
        const token = [randomBytes(12).toString('base64url'), 'x', 'a'.repeat(600), `${server.operatorToken}x`][
          next % 4
        ] as string;
        const { status, body } = await call(server.port, agent, from, token);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        let problem: string | undefined;
        try {
          problem = errorBodyProblem((JSON.parse(body) as { error?: unknown }).error);
        } catch {
          problem = 'not JSON';
        }
        if (problem && badBodies.length < 5) badBodies.push(`${status}: ${problem}: ${body.slice(0, 120)}`);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 20 }, lane));
    const durationMs = Math.round(performance.now() - t0);
    const t1 = performance.now();
    const right = await call(server.port, agent, '127.0.0.1', server.operatorToken as string);
    const rightTokenMs = Math.round(performance.now() - t1);
    const metrics = await server.metrics();
    const authRefused: Record<string, number> = {};
    for (const line of metrics.split('\n')) {
      const m = /^giaoban_auth_refused_total\{surface="http",reason="(\w+)"\} (\d+)/.exec(line);
      if (m) authRefused[m[1] as string] = Number(m[2]);
    }
    await service.stop();
    const result = {
      requests: opts.requests,
      byStatus,
      badBodies,
      rightTokenStatus: right.status,
      rightTokenMs,
      durationMs,
      authRefused,
      crashes: service.crashes.length,
    };
    const problems: string[] = [];
    // 20 at once, then one every 3 s while they keep coming.
    const allowed401 = 20 + Math.ceil(durationMs / 3000) + 1;
    if ((byStatus[401] ?? 0) > allowed401)
      problems.push(`${byStatus[401]} wrong tokens were checked (at most ${allowed401} expected)`);
    if ((byStatus[429] ?? 0) < opts.requests - allowed401)
      problems.push(`only ${byStatus[429] ?? 0} refused as rate_limited`);
    const other = Object.keys(byStatus).filter((s) => s !== '401' && s !== '429');
    if (other.length > 0) problems.push(`unexpected statuses: ${other.map((s) => `${s} x${byStatus[s]}`).join(', ')}`);
    if (badBodies.length > 0) problems.push(`error bodies off the contract: ${badBodies.join(' | ')}`);
    if (right.status !== 200) problems.push(`the right token from 127.0.0.1 got ${right.status}`);
    if (result.crashes > 0) problems.push(`the service exited ${result.crashes} time(s)`);
    return { ...result, problems };
  });
}
