// A roster file of a few of the built-in sites, each with a technician to call (name, phone and
// email), for the tests of alerts and webhooks: a briefing of four sites, not 64, so a rehearsal
// has a handful of absentees and a test reads every event.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRoster } from '../../config/roster.default.js';

export interface SmallRoster {
  readonly file: string;
  /** The technician of each site: the phone the SMS goes to, the address the email goes to. */
  readonly technicians: Record<string, { name: string; phone: string; email: string }>;
  remove(): void;
}

export function writeSmallRoster(
  ids: readonly string[] = ['hub', 'ha-giang', 'ca-mau', 'thua-thien-hue'],
): SmallRoster {
  const technicians: SmallRoster['technicians'] = {};
  const sites = ids.map((id, i) => {
    const site = defaultRoster.sites.find((s) => s.id === id);
    if (!site) throw new Error(`no site ${id} in the built-in roster`);
    const technician = {
      name: `Kỹ thuật viên ${site.name}`,
      phone: `0912 345 ${String(600 + i)}`,
      email: `kt.${id}@example.vn`,
    };
    technicians[id] = technician;
    return { ...site, technician };
  });
  const dir = mkdtempSync(join(tmpdir(), 'giaoban-roster-'));
  const file = join(dir, 'roster.json');
  writeFileSync(file, JSON.stringify({ sites }));
  return { file, technicians, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
