// The roster: which sites take part. The built-in default is the 2012 plan's 64 bridge points;
// ROSTER_FILE may replace it, and a bad file is rejected naming the bad entry.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { defaultRoster } from './roster.default.js';
import { ConfigError } from './schema.js';

export const siteIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, 'expected an ASCII slug: a-z, 0-9 and "-", up to 40 characters');

export const siteSchema = z.strictObject({
  id: siteIdSchema,
  kind: z.enum(['hub', 'bridge']),
  name: z.string().trim().min(1, 'expected the Vietnamese name'),
  nameEn: z.string().trim().min(1, 'expected the English name'),
  location: z.string().trim().min(1, 'expected where the room is'),
  region: z.string().trim().min(1, 'expected a region'),
  units: z.array(z.string().trim().min(1)).default([]),
  technician: z
    .strictObject({
      name: z.string().trim().min(1),
      phone: z.string().trim().min(3),
      // Where alerts go by email (server/alerts/); the phone gets them by SMS.
      email: z.email({ error: 'expected an email address' }).optional(),
    })
    .optional(),
  map: z.strictObject({ x: z.number().min(0).max(100), y: z.number().min(0).max(100) }).optional(),
});

export const rosterSchema = z.strictObject({
  sites: z.array(siteSchema).min(2, 'expected a hub and at least one bridge'),
});

export type RosterInput = z.input<typeof rosterSchema>;
export type Site = Readonly<z.infer<typeof siteSchema>>;

export interface Roster {
  readonly sites: readonly Site[];
  readonly hub: Site;
  readonly bridges: readonly Site[];
  get(id: string): Site | undefined;
}

function describeEntry(raw: unknown, index: number): string {
  const entry = (raw as { sites?: unknown[] } | undefined)?.sites?.[index] as { id?: unknown } | undefined;
  return typeof entry?.id === 'string' ? `site #${index + 1} ("${entry.id}")` : `site #${index + 1}`;
}

/** Validate a roster document; `source` names where it came from in error messages. */
export function parseRoster(raw: unknown, source: string): Roster {
  const result = rosterSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const [top, index, ...rest] = issue.path;
        const where =
          top === 'sites' && typeof index === 'number'
            ? `${describeEntry(raw, index)}${rest.length ? ` field ${rest.join('.')}` : ''}`
            : issue.path.join('.') || 'document';
        return `ROSTER (${source}): ${where}: ${issue.message}`;
      }),
    );
  }
  const sites = result.data.sites;
  const problems: string[] = [];
  const seen = new Set<string>();
  sites.forEach((site, i) => {
    if (seen.has(site.id)) problems.push(`ROSTER (${source}): site #${i + 1} ("${site.id}"): duplicate id`);
    seen.add(site.id);
  });
  const hubs = sites.filter((s) => s.kind === 'hub');
  if (hubs.length !== 1) {
    problems.push(
      `ROSTER (${source}): expected exactly one site of kind "hub", found ${hubs.length}${hubs.length ? ` (${hubs.map((h) => h.id).join(', ')})` : ''}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const frozen = sites.map((s) => Object.freeze({ ...s, units: Object.freeze([...s.units]) }) as Site);
  const byId = new Map(frozen.map((s) => [s.id, s]));
  const hub = frozen.find((s) => s.kind === 'hub') as Site;
  return Object.freeze({
    sites: Object.freeze(frozen),
    hub,
    bridges: Object.freeze(frozen.filter((s) => s.kind === 'bridge')),
    get: (id: string) => byId.get(id),
  });
}

/** The roster in force: the file if given, else the built-in one. */
export function loadRoster(file: string | undefined): Roster {
  if (!file) return parseRoster(defaultRoster, 'built-in');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`ROSTER_FILE: cannot read "${file}" as JSON (${(err as Error).message})`]);
  }
  return parseRoster(raw, file);
}
