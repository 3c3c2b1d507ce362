// A webhook receiver for the tests: a real HTTP server on a free loopback port that verifies
// every request's Standard Webhooks signature with the `standardwebhooks` package (as a
// customer's receiver would) and keeps what it got. It can be told to refuse (an HTTP status)
// or be stopped and started again on the same port (the receiver down for a while).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  readonly id: string;
  readonly timestamp: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly body: string;
  /** The status this receiver answered. */
  readonly status: number;
  readonly verified: boolean;
  readonly error?: string;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order (retries included). */
  readonly requests: Received[];
  /** The messages it accepted (2xx), each webhook-id once, in the order first accepted. */
  accepted(): Received[];
  /** Decide the status of each request (default 200). */
  respond(decide: (r: Omit<Received, 'status'>) => number): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 'giao-ban webhook test key').toString('base64')}`;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhookReceiver(secret = TEST_WEBHOOK_SECRET, port = 0): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret);
  const requests: Received[] = [];
  let decide: (r: Omit<Received, 'status'>) => number = () => 200;
  let server: Server | undefined;
  let boundPort = port;

  const listen = async () => {
    const s = createServer((req, res) => {
      void readBody(req).then((body) => {
        const headers: Record<string, string> = {};
        for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
          headers[name] = String(req.headers[name] ?? '');
        }
        let verified = false;
        let error: string | undefined;
        let parsed: { type?: string; data?: Record<string, unknown> } = {};
        try {
          parsed = verifier.verify(body, headers) as typeof parsed;
          verified = true;
        } catch (err) {
          error = (err as Error).message;
        }
        const r = {
          id: headers['webhook-id'] ?? '',
          timestamp: Number(headers['webhook-timestamp']),
          type: parsed.type ?? '',
          data: parsed.data ?? {},
          body,
          verified,
          ...(error ? { error } : {}),
        };
        const status = verified ? decide(r) : 401;
        requests.push({ ...r, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    s.listen(boundPort, '127.0.0.1');
    await once(s, 'listening');
    boundPort = (s.address() as AddressInfo).port;
    server = s;
  };
  await listen();

  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  };
  return {
    get url() {
      return `http://127.0.0.1:${boundPort}/hooks/giaoban`;
    },
    get port() {
      return boundPort;
    },
    requests,
    accepted: () => {
      const seen = new Set<string>();
      return requests.filter((r) => r.status < 300 && !seen.has(r.id) && seen.add(r.id));
    },
    respond: (fn) => {
      decide = fn;
    },
    stop,
    start: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}
