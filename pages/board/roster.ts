// The roster as the board shows it: sites grouped by region north to south, and their names
// in the board's language. Read once at sign-in (GET /api/sites); it does not change.
import { regionNames, regionOrder } from '../../config/roster.default.js';
import type { Site } from '../../config/roster.js';
import { lang } from './i18n.js';

export interface Region {
  readonly id: string;
  readonly sites: readonly Site[];
}

/** Regions north to south as the roster module orders them; any other region comes after. */
export function groupByRegion(sites: readonly Site[]): Region[] {
  const byRegion = new Map<string, Site[]>();
  for (const id of regionOrder) byRegion.set(id, []);
  for (const site of sites) {
    const list = byRegion.get(site.region) ?? [];
    // The hub leads its region: it presides.
    if (site.kind === 'hub') list.unshift(site);
    else list.push(site);
    byRegion.set(site.region, list);
  }
  return [...byRegion].filter(([, list]) => list.length > 0).map(([id, list]) => ({ id, sites: list }));
}

export function regionName(id: string): string {
  return regionNames[id]?.[lang.value] ?? id;
}

export function siteName(site: Site | undefined, fallbackId = ''): string {
  if (!site) return fallbackId;
  return lang.value === 'en' ? site.nameEn : site.name;
}
