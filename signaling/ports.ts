// What signaling needs from the rest of the service, as interfaces it owns: the edge checks
// who is calling, then hands over to the briefing and the media plane. The server passes in
// the implementations (credentials, operator token, status), so nothing here imports server/.
import type { EventEmitter } from 'node:events';
import type { Site } from '../config/roster.js';
import type { AlertView, SiteStatusView, TechnicianAlertNotice, TechnicianAlertView } from '../contract/index.js';

/** Site join links: who a token belongs to, and which version of the link it is. */
export interface SiteAuthenticator extends EventEmitter<{ reissued: [siteId: string, version: number] }> {
  verify(token: unknown): Promise<{ site: Site; version: number }>;
  /** The link version in force as far as this process knows (updated on every re-issue). */
  currentVersion(siteId: string): number | undefined;
}

export interface OperatorAuthenticator {
  isValid(token: unknown): boolean;
}

/** The live status of every site, pushed to the board. */
export interface StatusFeed
  extends EventEmitter<{ status: [SiteStatusView]; metrics: [SiteStatusView[]]; alert: [AlertView] }> {
  all(): SiteStatusView[];
  get(siteId: string): SiteStatusView | undefined;
}

/** Counters the edge keeps, for /metrics. */
export interface SignalingCounters {
  fault(namespace: string, event: string): void;
  limited(namespace: string, eventClass: string): void;
  authRefused(namespace: string, reason: 'invalid' | 'throttled'): void;
}

/** With several nodes: where a site should connect, and the nodes a page can fail over to. */
export interface Placement {
  /** null: take the site here; else the address of the node it should go to. */
  placeFor(localSites: number): string | null;
  /** Every node's address, least busy first. */
  nodeUrls(): string[];
}

/** Alerts to the sites' technicians and the operator's messages (server/alerts/). */
export interface SiteNotices extends EventEmitter<{ changed: [TechnicianAlertView] }> {
  /** What a page that (re)connects must show: its alerts not yet acknowledged. */
  pendingFor(siteId: string): Promise<TechnicianAlertNotice[]>;
  acknowledge(siteId: string, alertId: string): Promise<void>;
  message(siteId: string | null, text: string): Promise<{ id: string; pages: number }>;
}
