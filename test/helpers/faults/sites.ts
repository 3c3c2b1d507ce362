// The roster and the join links of a service in its own process, read over its API as the
// operator's tools read them.
import type { ServerProcess } from '../server-process.js';

/** The hub's id and the first `n` bridges' ids of the roster. */
export async function siteIds(server: ServerProcess, bridges: number, skip = 0): Promise<string[]> {
  const { sites } = (await server.get('/api/sites')) as { sites: { id: string; kind: string }[] };
  const hub = sites.find((s) => s.kind === 'hub');
  if (!hub) throw new Error('the roster has no hub');
  const ids = sites.filter((s) => s.kind === 'bridge').map((s) => s.id);
  if (ids.length < skip + bridges) throw new Error(`the roster has only ${ids.length} bridges`);
  return [hub.id, ...ids.slice(skip, skip + bridges)];
}

/** A site's join link, as `GET /api/sites/:id/join-link` gives it. */
export async function joinLink(server: ServerProcess, siteId: string): Promise<string> {
  return ((await server.get(`/api/sites/${encodeURIComponent(siteId)}/join-link`)) as { url: string }).url;
}

/** The token in a join link's fragment. */
export function tokenOf(link: string): string {
  const token = new URL(link).hash.replace(/^#token=/, '');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

export async function tokensFor(server: ServerProcess, ids: readonly string[]): Promise<Map<string, string>> {
  return new Map(await Promise.all(ids.map(async (id) => [id, tokenOf(await joinLink(server, id))] as const)));
}
