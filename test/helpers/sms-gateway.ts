// A local SMS gateway for the tests: an HTTP server taking POST {"to", "text"} as
// SMS_GATEWAY_URL expects, keeping what it got (or refusing, to test retries).
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsGatewayStub {
  readonly url: string;
  readonly messages: { to: string; text: string }[];
  /** How many requests to refuse with 503 before accepting. */
  refuse(n: number): void;
  /** How many requests it has refused so far. */
  readonly refused: number;
  close(): Promise<void>;
}

export async function startSmsGateway(): Promise<SmsGatewayStub> {
  const messages: { to: string; text: string }[] = [];
  let refusals = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (refusals > 0) {
        refusals--;
        refused++;
        res.writeHead(503).end('busy');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string };
      messages.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"queued":true}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    messages,
    refuse: (n) => {
      refusals = n;
    },
    get refused() {
      return refused;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
