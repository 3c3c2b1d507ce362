// The technicians' call list: the alerts the server sent to the sites' technicians (GET
// /api/alerts at sign-in and after a reconnect, then each change pushed as `technician-alert`),
// one row per site, the sites still in trouble and not yet acknowledged first.
import { computed, signal } from '@preact/signals';
import type { TechnicianAlertView } from '../../contract/index.js';
import type { OperatorApi } from './api.js';
import { SidePanel } from './side-panel.js';

export interface CallRow {
  readonly siteId: string;
  /** Its newest alert. */
  readonly latest: TechnicianAlertView;
  /** Alerts before it (today's list). */
  readonly earlier: number;
}

const waiting = (a: TechnicianAlertView) => !a.ackedAt && !a.closedAt;
const rank = (a: TechnicianAlertView) => (waiting(a) ? 0 : !a.ackedAt ? 1 : 2);

export class CallList extends SidePanel {
  /** Newest first; null until read. */
  readonly alerts = signal<readonly TechnicianAlertView[] | null>(null);

  constructor(readonly api: OperatorApi) {
    super();
  }

  protected async read(): Promise<void> {
    this.alerts.value = await this.api.alerts();
  }

  /** A pushed alert, new or changed. */
  apply(alert: TechnicianAlertView): void {
    const list = (this.alerts.peek() ?? []).filter((a) => a.id !== alert.id);
    list.push(alert);
    list.sort((a, b) => b.openedAt.localeCompare(a.openedAt));
    this.alerts.value = list;
  }

  readonly rows = computed((): CallRow[] => {
    const bySite = new Map<string, TechnicianAlertView[]>();
    for (const a of this.alerts.value ?? []) bySite.set(a.siteId, [...(bySite.get(a.siteId) ?? []), a]);
    return [...bySite]
      .map(([siteId, list]) => ({ siteId, latest: list[0] as TechnicianAlertView, earlier: list.length - 1 }))
      .sort((a, b) => rank(a.latest) - rank(b.latest) || b.latest.openedAt.localeCompare(a.latest.openedAt));
  });

  /** Sites in trouble whose technician has not acknowledged yet: the header's count. */
  readonly waiting = computed(() => this.rows.value.filter((r) => waiting(r.latest)).length);
}
