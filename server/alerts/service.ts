// Alerts to the sites' technicians. A site that drops or degrades during a rehearsal or the live
// session (the status service's alerts), or fails a rehearsal check, gets one alert with what
// to do, in Vietnamese: on its page when it is open (or as soon as it opens), by email and by
// SMS to the technician in the roster. One alert per bout: the troubles of a site that keeps
// bouncing fold into the alert already open, which closes once the site has been well for
// ALERT_QUIET_MS (or the phase changes). Each alert, each delivery and each acknowledgement is
// kept in the store and written to the event log; the board's call list reads them.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Roster } from '../../config/roster.js';
import {
  type AlertFacts,
  alertSms,
  causeOf,
  type OperatorMessage,
  type TechnicianAlertNotice,
  type TechnicianAlertView,
} from '../../contract/alerts.js';
import type { Phase, SiteStatusView } from '../../contract/index.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Outbox } from '../../store/outbox.js';
import type {
  AlertChannel,
  ChannelDelivery,
  NewEvent,
  RehearsalResult,
  Session,
  TechnicianAlert,
  TechnicianAlertUpdate,
} from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { Alert as StatusAlert } from '../status/service.js';
import type { EmailSender } from './email.js';
import { type SmsSender, smsNumber } from './sms.js';

/** The sites' pages, as signaling reaches them (across nodes); each resolves with the pages reached. */
export interface SitePages {
  alert(siteId: string, notice: TechnicianAlertNotice): Promise<number>;
  message(siteId: string | null, message: OperatorMessage): Promise<number>;
}

export interface AlertChannels {
  readonly email?: EmailSender;
  readonly sms?: SmsSender;
}

export interface TechnicianAlertsOptions {
  readonly roster: Roster;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly logger: Logger;
  /** The briefing's zone: the time an alert names is the room's wall clock. */
  readonly timeZone: string;
  readonly operatorPhone?: string | undefined;
  /** How long a site must stay online before its bout of trouble is over. */
  readonly quietMs: number;
  readonly channels: AlertChannels;
  readonly phase: () => Phase;
  /** The session open now, if any. */
  readonly session: () => Session | undefined;
  /** The waits between the attempts of an email or an SMS. Default 2 s, then 8 s (3 attempts). */
  readonly retryMs?: readonly number[];
}

interface AlertsEvents {
  /** An alert was raised or changed (a delivery, a repeat, an acknowledgement, its end). */
  changed: [TechnicianAlertView];
}

/** An unacknowledged alert is shown again on a page that opens this long after it ended. */
const SHOW_AFTER_CLOSE_MS = 10 * 60_000;
const SHOW_FOR_MS = 12 * 3600_000;
const statusKinds: ReadonlySet<string> = new Set(['dropped', 'degraded']);

const zero = () => ({ page: 0, email: 0, sms: 0 });

export class TechnicianAlerts extends EventEmitter<AlertsEvents> {
  readonly #o: TechnicianAlertsOptions;
  readonly #log: Logger;
  readonly #clock: Intl.DateTimeFormat;
  /** Each site's open bout of trouble (status alerts): the alert's id. */
  readonly #bouts = new Map<string, string>();
  /** Sites online again: the timer that ends their bout. */
  readonly #quiet = new Map<string, NodeJS.Timeout>();
  /** Each site's latest failed check of the rehearsal, until it passes. */
  readonly #checks = new Map<string, string>();
  readonly #abort = new AbortController();
  #pages: SitePages | undefined;
  #closed = false;
  /** Since start, for /metrics. */
  readonly counts = {
    raised: { dropped: 0, degraded: 0, 'check-failed': 0, absent: 0 } as Record<TechnicianAlert['kind'], number>,
    sent: zero(),
    failed: zero(),
    acks: 0,
    messages: 0,
  };

  private constructor(o: TechnicianAlertsOptions) {
    super();
    this.#o = o;
    this.#log = o.logger.child({ component: 'technician-alerts' });
    this.#clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: o.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
  }

  /** Bouts still open before a restart stay open: the site's next trouble folds into them. */
  static async create(o: TechnicianAlertsOptions): Promise<TechnicianAlerts> {
    const alerts = new TechnicianAlerts(o);
    const stored = await o.store.listTechnicianAlerts(1000).catch((err: Error) => {
      alerts.#log.warn({ err: err.message }, 'could not read the open alerts');
      return [];
    });
    // Newest first: the first open one of a site is its bout.
    for (const a of stored) {
      if (a.closedAt) continue;
      if (statusKinds.has(a.kind) && !alerts.#bouts.has(a.siteId)) alerts.#bouts.set(a.siteId, a.id);
      if (!statusKinds.has(a.kind) && !alerts.#checks.has(a.siteId)) alerts.#checks.set(a.siteId, a.id);
    }
    return alerts;
  }

  /** Signaling, once it exists: how alerts and messages reach the pages. */
  usePages(pages: SitePages): void {
    this.#pages = pages;
  }

  // ---- what feeds it ----

  /** A site's status (every change): a bout ends once the site has stayed online for quietMs. */
  onStatus(s: Pick<SiteStatusView, 'siteId' | 'state'>): void {
    if (this.#closed) return;
    const timer = this.#quiet.get(s.siteId);
    if (s.state !== 'online') {
      clearTimeout(timer);
      this.#quiet.delete(s.siteId);
      return;
    }
    if (timer || !this.#bouts.has(s.siteId)) return;
    this.#quiet.set(
      s.siteId,
      setTimeout(() => {
        this.#quiet.delete(s.siteId);
        this.#endBout(s.siteId);
      }, this.#o.quietMs),
    );
  }

  /** The status service raised an alert (a drop or a degradation, during a rehearsal or live). */
  async onStatusAlert(a: StatusAlert): Promise<void> {
    const phase = this.#o.phase();
    if (this.#closed || phase === 'open') return;
    const open = this.#bouts.get(a.siteId);
    if (open) {
      // The same bout: the technician already has the alert; the call list counts the repeat.
      this.#log.debug({ site: a.siteId, alert: open, kind: a.kind }, 'trouble folded into the open alert');
      await this.#update(open, { repeatAt: a.at });
      return;
    }
    const id = randomUUID();
    this.#bouts.set(a.siteId, id);
    const session = this.#o.session();
    const created = await this.#raise({
      id,
      siteId: a.siteId,
      kind: a.kind,
      reason: a.reason,
      cause: causeOf(a.kind, a.reason),
      phase,
      ...(session ? { sessionId: session.id } : {}),
      openedAt: a.at,
      lastAt: a.at,
      repeats: 0,
      deliveries: {},
    });
    if (!created && this.#bouts.get(a.siteId) === id) this.#bouts.delete(a.siteId);
  }

  /** A site's rehearsal result is stored: a failure or an absence alerts; a pass ends the last one. */
  async onChecked(r: RehearsalResult): Promise<void> {
    if (this.#closed) return;
    const previous = this.#checks.get(r.siteId);
    if (r.result === 'pass') {
      if (previous) {
        this.#checks.delete(r.siteId);
        await this.#update(previous, { closedAt: new Date().toISOString() });
      }
      return;
    }
    const kind = r.result === 'absent' ? 'absent' : 'check-failed';
    // One alert per site and attempt, whichever node stored the result (the id is the same).
    const id =
      kind === 'absent' ? `absent-${r.sessionId}-${r.siteId}` : `check-${r.sessionId}-${r.siteId}-${r.attempt ?? 0}`;
    if (previous === id) return;
    const failed = r.checks
      .filter((c) => !c.pass)
      .map((c) => ({ name: c.name, ...(c.code ? { code: c.code } : {}), ...(c.params ? { params: c.params } : {}) }));
    const reason =
      kind === 'absent' ? 'did not connect during the rehearsal' : `failed: ${failed.map((c) => c.name).join(', ')}`;
    const at = new Date().toISOString();
    this.#checks.set(r.siteId, id);
    if (previous) await this.#update(previous, { closedAt: at });
    await this.#raise({
      id,
      siteId: r.siteId,
      kind,
      reason,
      cause: causeOf(kind, reason),
      phase: 'rehearsal',
      sessionId: r.sessionId,
      checks: failed,
      openedAt: at,
      lastAt: at,
      repeats: 0,
      deliveries: {},
    });
  }

  /** A session opened or ended: the bouts of the phase before are over. */
  onPhase(): void {
    for (const siteId of [...this.#bouts.keys()]) this.#endBout(siteId);
  }

  #endBout(siteId: string): void {
    const id = this.#bouts.get(siteId);
    clearTimeout(this.#quiet.get(siteId));
    this.#quiet.delete(siteId);
    if (!id) return;
    this.#bouts.delete(siteId);
    void this.#update(id, { closedAt: new Date().toISOString() });
  }

  // ---- raising and delivering ----

  #record(event: NewEvent): void {
    this.#o.outbox
      .event(event)
      .catch((err: Error) => this.#log.error({ err: err.message, type: event.type }, 'could not record'));
  }

  /** Store the alert (once, whichever node gets there first) and send it on every channel. */
  async #raise(alert: TechnicianAlert): Promise<boolean> {
    let created = false;
    try {
      await this.#o.outbox.write(`alert ${alert.id}`, async (s) => {
        created = await s.openTechnicianAlert(alert);
      });
    } catch (err) {
      this.#log.error({ err: (err as Error).message, site: alert.siteId }, 'could not store an alert');
      return false;
    }
    if (!created || this.#closed) return created;
    this.counts.raised[alert.kind]++;
    this.#log.info({ site: alert.siteId, kind: alert.kind, cause: alert.cause, alert: alert.id }, 'technician alerted');
    this.#record({
      type: 'technician.alert',
      siteId: alert.siteId,
      ...(alert.sessionId ? { sessionId: alert.sessionId } : {}),
      data: { alertId: alert.id, kind: alert.kind, cause: alert.cause, reason: alert.reason, phase: alert.phase },
    });
    this.emit('changed', alert);
    const technician = this.#o.roster.get(alert.siteId)?.technician;
    const facts = this.factsOf(alert);
    const { email, sms } = this.#o.channels;
    await Promise.all([
      this.#toPage(alert),
      this.#send(alert, 'email', {
        to: technician?.email,
        missing: !email ? 'SMTP_URL is not set' : 'no email for this site’s technician in the roster',
        send: email && technician?.email ? (to) => email.send(to, facts) : undefined,
      }),
      this.#send(alert, 'sms', {
        to: technician?.phone ? smsNumber(technician.phone) : undefined,
        missing: !sms ? 'neither SMS_GATEWAY_URL nor SMS_COMMAND is set' : 'no phone for this site’s technician',
        send: sms && technician?.phone ? (to) => sms.send(to, alertSms(facts)) : undefined,
      }),
    ]);
    return true;
  }

  async #toPage(alert: TechnicianAlert): Promise<void> {
    let pages = 0;
    try {
      pages = (await this.#pages?.alert(alert.siteId, this.noticeOf(alert))) ?? 0;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, site: alert.siteId }, 'could not reach the site page');
    }
    const at = new Date().toISOString();
    await this.#delivered(
      alert,
      'page',
      pages > 0
        ? { status: 'sent', at, to: `${pages} page${pages > 1 ? 's' : ''}` }
        : { status: 'pending', at, detail: 'the site page is not open; it shows the alert when it opens' },
    );
  }

  async #send(
    alert: TechnicianAlert,
    channel: 'email' | 'sms',
    how: { to: string | undefined; missing: string; send: ((to: string) => Promise<void>) | undefined },
  ): Promise<void> {
    const { to, send } = how;
    if (!to || !send) {
      await this.#delivered(alert, channel, { status: 'skipped', at: new Date().toISOString(), detail: how.missing });
      return;
    }
    const waits = this.#o.retryMs ?? [2000, 8000];
    let error = '';
    let tried = 0;
    for (let attempt = 1; attempt <= waits.length + 1; attempt++) {
      tried = attempt;
      try {
        await send(to);
        await this.#delivered(alert, channel, { status: 'sent', at: new Date().toISOString(), to, attempts: attempt });
        return;
      } catch (err) {
        error = (err as Error).message;
        this.#log.warn({ err: error, site: alert.siteId, channel, attempt }, 'alert not sent');
      }
      const wait = waits[attempt - 1];
      if (wait === undefined || this.#closed) break;
      try {
        await sleep(wait, undefined, { signal: this.#abort.signal });
      } catch {
        break; // shutting down: what was tried is recorded below
      }
    }
    await this.#delivered(alert, channel, {
      status: 'failed',
      at: new Date().toISOString(),
      to,
      detail: error,
      attempts: tried,
    });
  }

  async #delivered(alert: TechnicianAlert, channel: AlertChannel, delivery: ChannelDelivery): Promise<void> {
    if (delivery.status === 'sent') this.counts.sent[channel]++;
    if (delivery.status === 'failed') this.counts.failed[channel]++;
    if (delivery.status === 'sent' || delivery.status === 'failed') {
      this.#record({
        type: 'technician.alert-sent',
        siteId: alert.siteId,
        data: {
          alertId: alert.id,
          channel,
          status: delivery.status,
          ...(delivery.to ? { to: delivery.to } : {}),
          ...(delivery.detail ? { error: delivery.detail } : {}),
        },
      });
    }
    await this.#update(alert.id, { channel, delivery });
  }

  /** Apply a change through the outbox (a store blip loses none) and tell the boards. */
  async #update(id: string, update: TechnicianAlertUpdate): Promise<TechnicianAlert | undefined> {
    let updated: TechnicianAlert | undefined;
    try {
      await this.#o.outbox.write(`alert ${id}`, async (s) => {
        updated = await s.updateTechnicianAlert(id, update);
      });
    } catch (err) {
      this.#log.error({ err: (err as Error).message, alert: id }, 'could not update an alert');
      return undefined;
    }
    if (updated && !this.#closed) this.emit('changed', updated);
    return updated;
  }

  // ---- the words ----

  factsOf(alert: Pick<TechnicianAlert, 'siteId' | 'kind' | 'cause' | 'reason' | 'openedAt' | 'checks'>): AlertFacts {
    const site = this.#o.roster.get(alert.siteId);
    return {
      kind: alert.kind,
      cause: causeOf(alert.kind, alert.reason),
      site: site?.name ?? alert.siteId,
      siteEn: site?.nameEn ?? alert.siteId,
      time: this.#clock.format(new Date(alert.openedAt)),
      ...(statusKinds.has(alert.kind) ? { detail: alert.reason } : {}),
      ...(alert.checks ? { checks: alert.checks } : {}),
      ...(this.#o.operatorPhone ? { operatorPhone: this.#o.operatorPhone } : {}),
    };
  }

  noticeOf(alert: TechnicianAlert): TechnicianAlertNotice {
    return { id: alert.id, siteId: alert.siteId, at: alert.openedAt, facts: this.factsOf(alert) };
  }

  // ---- what the pages and the board ask ----

  /** A site's page (re)connected: the alerts it has not acknowledged, oldest first. */
  async pendingFor(siteId: string): Promise<TechnicianAlertNotice[]> {
    const now = Date.now();
    const waiting = (await this.#o.store.listTechnicianAlerts(200)).filter(
      (a) =>
        a.siteId === siteId &&
        !a.ackedAt &&
        now - Date.parse(a.openedAt) < SHOW_FOR_MS &&
        (!a.closedAt || now - Date.parse(a.closedAt) < SHOW_AFTER_CLOSE_MS),
    );
    for (const a of waiting) {
      if (a.deliveries.page?.status !== 'sent')
        void this.#delivered(a, 'page', {
          status: 'sent',
          at: new Date().toISOString(),
          to: 'the page, when it opened',
        });
    }
    return waiting.reverse().map((a) => this.noticeOf(a));
  }

  /** The technician pressed "Đã nhận" on the page. */
  async acknowledge(siteId: string, alertId: string): Promise<void> {
    const alert = await this.#o.store.getTechnicianAlert(alertId);
    if (!alert || alert.siteId !== siteId) throw new AppError('not_found', `no alert "${alertId}" for this site`);
    if (alert.ackedAt) return;
    let updated: TechnicianAlert | undefined;
    await this.#o.outbox.write(`alert ${alertId}`, async (s) => {
      updated = await s.updateTechnicianAlert(alertId, { ackedAt: new Date().toISOString() });
    });
    this.counts.acks++;
    this.#log.info({ site: siteId, alert: alertId }, 'technician acknowledged the alert');
    this.#record({ type: 'technician.acknowledged', siteId, data: { alertId, kind: alert.kind } });
    if (updated) this.emit('changed', updated);
  }

  /** The operator's short message to one site's page, or to every page (siteId null). */
  async message(siteId: string | null, text: string): Promise<{ id: string; pages: number }> {
    if (siteId !== null && !this.#o.roster.get(siteId))
      throw new AppError('not_found', `no site with id "${siteId}" in the roster`);
    const message: OperatorMessage = {
      id: randomUUID(),
      text,
      at: new Date().toISOString(),
      to: siteId ? 'site' : 'all',
    };
    const pages = (await this.#pages?.message(siteId, message)) ?? 0;
    this.counts.messages++;
    this.#log.info({ site: siteId ?? 'all', pages }, 'operator message sent');
    this.#record({
      type: 'operator.message',
      ...(siteId ? { siteId } : {}),
      data: { id: message.id, to: siteId ?? 'all', text, pages },
    });
    return { id: message.id, pages };
  }

  /** The newest alerts first, for the call list. */
  list(limit = 200): Promise<TechnicianAlertView[]> {
    return this.#o.store.listTechnicianAlerts(limit);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    for (const timer of this.#quiet.values()) clearTimeout(timer);
    this.#quiet.clear();
    this.removeAllListeners();
  }
}
