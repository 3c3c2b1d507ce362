// Runs the rehearsal's checks: every expected site is checked once it is in the rehearsal
// (joined when it opens, or as it joins), over a short measurement window of real media
// statistics taken once its media has settled (a stream that is still starting is not yet a
// link to judge), and its result is stored as it is known. A site that fails is measured once
// more by itself before its failure is reported. A result counts as checked only once
// it is stored; a site whose result could not be stored is checked again. When the rehearsal
// ends, expected sites without a result are recorded as absent, which never overwrites a
// result another instance (or this one, before a restart) stored. A single site can be
// re-tested on demand. Evidence (the page's reports, the technician's confirmation) counts
// only within the rehearsal that received it.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Briefing, SiteReport } from '../../briefing/briefing.js';
import type { Roster } from '../../config/roster.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Conference, SiteMediaStats } from '../../media/index.js';
import type { Outbox } from '../../store/outbox.js';
import type { RehearsalResult, Session } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { type CheckThresholds, defaultCheckThresholds, type Evidence, resultOf, runChecks } from './checks.js';

export interface RehearsalOptions {
  readonly conference: Conference;
  readonly briefing: Briefing;
  readonly store: Store;
  readonly outbox: Outbox;
  readonly roster: Roster;
  readonly logger: Logger;
  readonly thresholds?: CheckThresholds;
  /**
   * How long media is measured once it flows. Three or more one-second samples give a stable
   * median of bitrate, RTT and loss while keeping a 63-site rehearsal well inside a minute.
   */
  readonly windowMs?: number;
  /** Give up waiting for media after this long and report what is missing. */
  readonly timeoutMs?: number;
  /** How long media must flow before it is measured (the hub's stream starts, rates settle). */
  readonly settleMs?: number;
}

interface Run {
  readonly siteId: string;
  readonly samples: SiteMediaStats[];
  /** The page's reports during the window. */
  readonly reports: SiteReport[];
  readonly startedAt: number;
  readonly attempt: number;
  /** 0 for the first measurement; 1 for the one automatic re-measurement of a failure. */
  readonly round: number;
  flowingAt: number | null;
  heard: boolean;
  hubSending: boolean;
  done: boolean;
}

/** How long the claim on a finished rehearsal's outcome is kept (longer than any rehearsal's end takes). */
const CLAIM_MS = 7 * 24 * 3600_000;

/**
 * The uplink a site has: when most of the page's reports say its encoder was held back by the
 * link, the browser's median estimate is the most the link carries (the live session sends
 * only the layers that fit); otherwise what it sent, with no limit learned.
 */
function uplinkOf(reports: readonly SiteReport[], sentKbps: number): { uplinkKbps: number; uplinkLimited?: true } {
  const limited = reports.filter((r) => r.limitation === 'bandwidth');
  const estimates = limited.flatMap((r) => (r.uplinkKbps === undefined ? [] : [r.uplinkKbps])).sort((a, b) => a - b);
  if (reports.length === 0 || limited.length * 2 <= reports.length || estimates.length === 0) {
    return { uplinkKbps: sentKbps };
  }
  return { uplinkKbps: estimates[Math.floor(estimates.length / 2)] ?? sentKbps, uplinkLimited: true };
}

interface RehearsalEvents {
  /** A site's result is stored (the one in force, which may be another instance's better one). */
  checked: [RehearsalResult];
  /** What the rehearsal learned of a site's link is stored (the live session starts from it). */
  profiled: [siteId: string];
}

export class RehearsalRunner extends EventEmitter<RehearsalEvents> {
  readonly #o: RehearsalOptions;
  readonly #log: Logger;
  readonly #th: CheckThresholds;
  readonly #windowMs: number;
  readonly #timeoutMs: number;
  readonly #settleMs: number;
  #session: Session | undefined;
  readonly #runs = new Map<string, Run>();
  /** Sites whose result is stored for the running session (here, before a restart, or elsewhere). */
  readonly #stored = new Map<string, RehearsalResult>();
  readonly #confirmations = new Map<string, { hears: boolean; sees: boolean }>();
  readonly #writes = new Set<Promise<void>>();
  readonly #off: (() => void)[] = [];
  /** This runner, as the claimant of a finished rehearsal's outcome. */
  readonly #instance = randomUUID();

  constructor(o: RehearsalOptions) {
    super();
    this.#o = o;
    this.#log = o.logger.child({ component: 'rehearsal' });
    this.#th = o.thresholds ?? defaultCheckThresholds;
    this.#windowMs = o.windowMs ?? 4000;
    this.#timeoutMs = o.timeoutMs ?? 25_000;
    this.#settleMs = o.settleMs ?? 2000;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  /**
   * The rehearsal opens (or resumes after a restart): check every expected site that is in
   * it now and each that joins later, except those whose result is already stored.
   */
  async start(session: Session): Promise<void> {
    if (this.#session) this.#stopListening();
    this.#session = session;
    this.#runs.clear();
    this.#stored.clear();
    this.#confirmations.clear();
    try {
      for (const r of await this.#o.store.getRehearsalResults(session.id)) this.#stored.set(r.siteId, r);
    } catch (err) {
      // Without them, sites are checked again: a second result never replaces a better one.
      this.#log.warn({ err: (err as Error).message }, 'could not read stored results; checking every site');
    }
    if (this.#session !== session) return; // finished meanwhile
    const onPresence = (siteId: string, joined: boolean) => {
      if (joined && this.#expects(siteId) && !this.#stored.has(siteId) && !this.#runs.get(siteId)?.done)
        this.#begin(siteId, 0);
    };
    const onStats = (all: SiteMediaStats[]) => {
      for (const s of all) this.#sample(s);
    };
    const onReport = (siteId: string, report: SiteReport) => {
      const run = this.#runs.get(siteId);
      if (run && !run.done && run.flowingAt !== null) run.reports.push(report);
    };
    const onSpeaking = (sites: { siteId: string }[]) => {
      for (const { siteId } of sites) {
        const run = this.#runs.get(siteId);
        if (run && !run.done) run.heard = true;
      }
    };
    const onConfirm = (siteId: string, c: { hears: boolean; sees: boolean }) => {
      this.#confirmations.set(siteId, c);
      if (this.#expects(siteId) && this.#o.briefing.isPresent(siteId)) this.#begin(siteId, this.#nextAttempt(siteId));
    };
    const { briefing, conference } = this.#o;
    briefing.on('presence', onPresence);
    briefing.on('report', onReport);
    briefing.on('confirm', onConfirm);
    conference.on('stats', onStats);
    conference.on('speaking', onSpeaking);
    this.#off.push(
      () => briefing.off('presence', onPresence),
      () => briefing.off('report', onReport),
      () => briefing.off('confirm', onConfirm),
      () => conference.off('stats', onStats),
      () => conference.off('speaking', onSpeaking),
    );
    for (const siteId of session.siteIds) {
      if (briefing.isPresent(siteId) && !this.#stored.has(siteId)) this.#begin(siteId, 0);
    }
    this.#log.info(
      { session: session.id, expected: session.siteIds.length, alreadyChecked: this.#stored.size },
      'rehearsal checks started',
    );
  }

  #expects(siteId: string): boolean {
    return this.#session?.siteIds.includes(siteId) ?? false;
  }

  #nextAttempt(siteId: string): number {
    const stored = this.#stored.get(siteId)?.attempt ?? -1;
    const running = this.#runs.get(siteId)?.attempt ?? -1;
    return Math.max(stored, running) + 1;
  }

  /** Check one site again (from the board), e.g. after its technician fixed something. */
  retest(sessionId: string, siteId: string): void {
    if (this.#session?.id !== sessionId)
      throw new AppError('conflict', 'that rehearsal is not running; retest during the rehearsal');
    if (!this.#expects(siteId)) throw new AppError('bad_request', `site "${siteId}" is not expected in this rehearsal`);
    if (!this.#o.briefing.isPresent(siteId))
      throw new AppError('conflict', `site "${siteId}" is not in the conference; it is checked as soon as it joins`);
    this.#begin(siteId, this.#nextAttempt(siteId));
  }

  #begin(siteId: string, attempt: number, round = 0) {
    this.#runs.set(siteId, {
      siteId,
      samples: [],
      reports: [],
      startedAt: Date.now(),
      attempt,
      round,
      flowingAt: null,
      heard: false,
      hubSending: false,
      done: false,
    });
  }

  /**
   * Media counts as flowing once the site sends and, for a bridge, once what it should receive
   * arrives (or there is nothing to receive). The window opens settleMs later.
   */
  #flowing(s: SiteMediaStats): boolean {
    const sends =
      (s.ice.send === 'connected' || s.ice.send === 'completed') && Object.values(s.producers).some((p) => p.kbps > 0);
    if (!sends) return false;
    const media = this.#o.conference.snapshot(s.siteId);
    return !media.expectsToReceive || s.consumers.kbps > 0;
  }

  #sample(s: SiteMediaStats) {
    const run = this.#runs.get(s.siteId);
    if (!run || run.done) return;
    if (run.flowingAt === null && this.#flowing(s)) run.flowingAt = s.at;
    const settledAt = run.flowingAt === null ? null : run.flowingAt + this.#settleMs;
    if (settledAt !== null && s.at >= settledAt) {
      run.samples.push(s);
      if (this.#o.conference.snapshot(s.siteId).hubSending) run.hubSending = true;
    }
    const measured = settledAt !== null && s.at - settledAt >= this.#windowMs;
    if (measured || s.at - run.startedAt >= this.#timeoutMs) {
      if (!measured && run.samples.length === 0) run.samples.push(s);
      this.#finishRun(run, true);
    }
  }

  #finishRun(run: Run, present: boolean) {
    const session = this.#session;
    if (!session || run.done) return;
    run.done = true;
    const site = this.#o.roster.get(run.siteId);
    const evidence: Evidence = {
      role: site?.kind ?? 'bridge',
      present,
      samples: run.samples,
      reports: run.reports,
      confirmed: this.#confirmations.get(run.siteId) ?? null,
      heard: run.heard,
      hubSending: run.hubSending,
    };
    const checks = runChecks(evidence, this.#th);
    // A failure is measured once more before it is reported: a passing moment (a burst of
    // loss, a stream still starting) must not cost the province a phone call.
    if (present && run.round === 0 && resultOf(checks, present) === 'fail' && this.#o.briefing.isPresent(run.siteId)) {
      this.#log.info({ site: run.siteId, failed: checks.filter((c) => !c.pass).map((c) => c.name) }, 'measuring again');
      this.#begin(run.siteId, run.attempt, 1);
      return;
    }
    const result: RehearsalResult = {
      sessionId: session.id,
      siteId: run.siteId,
      result: resultOf(checks, present),
      checks,
      updatedAt: new Date().toISOString(),
      attempt: run.attempt,
    };
    const last = run.samples.at(-1);
    const { outbox } = this.#o;
    const write = (async () => {
      let inForce: RehearsalResult = result;
      await outbox.write(`rehearsal result ${run.siteId}`, async (s) => {
        inForce = await s.putRehearsalResult(result);
      });
      this.#stored.set(run.siteId, inForce);
      this.#log.info(
        { site: run.siteId, result: result.result, failed: checks.filter((c) => !c.pass).map((c) => c.name) },
        'site checked',
      );
      this.emit('checked', inForce);
      const events = [
        outbox.event({
          type: 'rehearsal.checked',
          siteId: run.siteId,
          sessionId: session.id,
          data: { result: inForce.result, attempt: run.attempt },
        }),
      ];
      if (present && last) {
        // What the live session can use: how this site reached us, what it could send and
        // what the SFU could send it, its delay and loss.
        const mid = (xs: number[]) =>
          xs.length ? ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null) : null;
        const downlinks = run.samples.flatMap((s) => (s.availableOutKbps === null ? [] : [s.availableOutKbps]));
        const profile = {
          siteId: run.siteId,
          sessionId: session.id,
          transport: last.transport,
          relayed: run.reports.some((r) => r.relayed === true),
          // The browser's own estimate when its encoder was held back by the link (then it
          // is the most the uplink carries), else what the site sent.
          ...uplinkOf(run.reports, Math.round(Object.values(last.producers).reduce((a, p) => a + p.kbps, 0))),
          downlinkKbps: mid(downlinks),
          rttMs: last.rttMs,
          lossPct: mid(run.samples.map((s) => Math.max(s.lossInPct ?? 0, s.lossOutPct ?? 0))),
          measuredAt: result.updatedAt,
        };
        events.push(
          outbox
            .write(`profile ${run.siteId}`, (s) => s.putSiteProfile(profile))
            .then(() => void this.emit('profiled', run.siteId)),
        );
      }
      await Promise.all(events);
    })().catch((err: Error) => {
      // Not stored: the site is not checked. Check it again if it is still here.
      this.#log.error({ err: err.message, site: run.siteId }, 'could not store a rehearsal result; checking again');
      if (this.#session === session && this.#o.briefing.isPresent(run.siteId)) this.#begin(run.siteId, run.attempt);
    });
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /**
   * The rehearsal ends: runs still measuring are judged on what they have; expected sites
   * with no result anywhere are absent.
   */
  async finish(session: Session): Promise<void> {
    if (this.#session?.id !== session.id) return;
    for (const siteId of session.siteIds) {
      const run = this.#runs.get(siteId);
      if (run && !run.done) this.#finishRun(run, true);
      else if (!run && !this.#stored.has(siteId)) {
        this.#begin(siteId, 0);
        const absent = this.#runs.get(siteId);
        if (absent) this.#finishRun(absent, false);
      }
    }
    await Promise.all(this.#writes);
    this.#stopListening();
    this.#session = undefined;
    this.#log.info({ session: session.id }, 'rehearsal finished');
    await this.#completed(session);
  }

  /**
   * The rehearsal's outcome in the event log (webhooks send it as rehearsal.completed), once
   * for the whole cluster: every node that ran a part of it finishes it, and the first to
   * claim the session in the store writes it.
   */
  async #completed(session: Session): Promise<void> {
    const { outbox } = this.#o;
    let claimed = false;
    let results: RehearsalResult[] = [];
    try {
      await outbox.write(`rehearsal ${session.id} completed`, async (s) => {
        claimed = await s.acquireLease(`rehearsal-completed:${session.id}`, this.#instance, CLAIM_MS);
        if (claimed) results = await s.getRehearsalResults(session.id);
      });
      if (!claimed) return;
      const expected = new Set(session.siteIds);
      const sites = (result: RehearsalResult['result']) =>
        results
          .filter((r) => r.result === result && expected.has(r.siteId))
          .map((r) => r.siteId)
          .sort();
      const passed = sites('pass');
      const failed = sites('fail');
      const checked = new Set([...passed, ...failed]);
      const absent = session.siteIds.filter((id) => !checked.has(id));
      await outbox.event({
        type: 'rehearsal.completed',
        sessionId: session.id,
        data: {
          title: session.title,
          sessionStatus: session.status,
          totals: { pass: passed.length, fail: failed.length, absent: absent.length },
          failed,
          absent,
        },
      });
    } catch (err) {
      this.#log.error({ err: (err as Error).message, session: session.id }, 'could not record the rehearsal outcome');
    }
  }

  /** Wait for pending result writes (tests, reports). */
  async settled(): Promise<void> {
    await Promise.all(this.#writes);
  }

  #stopListening() {
    for (const off of this.#off.splice(0)) off();
  }

  close(): void {
    this.#stopListening();
    this.#session = undefined;
    this.removeAllListeners();
  }
}
