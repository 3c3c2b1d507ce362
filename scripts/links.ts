// `npm run links`: print every site's current join link, asked of the running server (so it
// works with the in-memory store too). Needs the operator token.
//   OPERATOR_TOKEN=… npm run links [-- --server http://localhost:3000] [--csv]
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/schema.js';

const { values } = parseArgs({
  options: { server: { type: 'string' }, token: { type: 'string' }, csv: { type: 'boolean', default: false } },
});
const config = loadConfig();
const server = (values.server ?? `${config.tls ? 'https' : 'http'}://127.0.0.1:${config.PORT}`).replace(/\/$/, '');
const token = values.token ?? config.OPERATOR_TOKEN;
if (!token) {
  process.stderr.write(
    'links: set OPERATOR_TOKEN (or pass --token): the token the server printed at its first start\n',
  );
  process.exit(2);
}
// Piped into head or less: a closed pipe just ends the listing.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
const headers = { authorization: `Bearer ${token}` };

async function get<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${server}${path}`, { headers });
  } catch (err) {
    process.stderr.write(`links: cannot reach the server at ${server} (${(err as Error).message}); is it running?\n`);
    process.exit(1);
  }
  const body = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) {
    process.stderr.write(`links: ${path}: ${res.status} ${body.error?.message ?? ''}\n`);
    process.exit(1);
  }
  return body;
}

const { sites } = await get<{ sites: { id: string; name: string; kind: string }[] }>('/api/sites');
const sep = values.csv ? ',' : '\t';
const quote = (s: string) => (values.csv ? `"${s.replaceAll('"', '""')}"` : s);
process.stdout.write(`${['id', 'name', 'kind', 'url'].join(sep)}\n`);
for (const site of sites) {
  const { url } = await get<{ url: string }>(`/api/sites/${encodeURIComponent(site.id)}/join-link`);
  process.stdout.write(`${[site.id, quote(site.name), site.kind, url].join(sep)}\n`);
}
