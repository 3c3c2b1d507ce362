// Runs the rehearsal's checks: every expected site is checked once it is in the rehearsal
// (present when it opens, or as it joins), over a short measurement window of real media
// statistics, and its result is stored as it is known. When the rehearsal ends, expected
// sites that never came are recorded as absent. A single site can be re-tested on demand.
import type { Roster } from '../../config/roster.js';
import type { Conference, SiteMediaStats } from '../../media/index.js';
import type { Briefing, SiteReport } from '../briefing.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RehearsalResult, Session } from '../store/records.js';
import type { Store } from '../store/store.js';
import { type CheckThresholds, defaultCheckThresholds, type Evidence, resultOf, runChecks } from './checks.js';

export interface RehearsalOptions {
  readonly conference: Conference;
  readonly briefing: Briefing;
  readonly store: Store;
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
}

interface Run {
  readonly siteId: string;
  readonly samples: SiteMediaStats[];
  readonly startedAt: number;
  flowingAt: number | null;
  done: boolean;
}

export class RehearsalRunner {
  readonly #o: RehearsalOptions;
  readonly #log: Logger;
  readonly #th: CheckThresholds;
  readonly #windowMs: number;
  readonly #timeoutMs: number;
  #session: Session | undefined;
  readonly #runs = new Map<string, Run>();
  readonly #reports = new Map<string, SiteReport>();
  readonly #confirmations = new Map<string, { hears: boolean; sees: boolean }>();
  readonly #writes = new Set<Promise<void>>();
  readonly #off: (() => void)[] = [];

  constructor(o: RehearsalOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: 'rehearsal' });
    this.#th = o.thresholds ?? defaultCheckThresholds;
    this.#windowMs = o.windowMs ?? 4000;
    this.#timeoutMs = o.timeoutMs ?? 25_000;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  /** The rehearsal opens: check every expected site present now, and each that joins later. */
  start(session: Session): void {
    if (this.#session) this.#stopListening();
    this.#session = session;
    this.#runs.clear();
    const onPresence = (siteId: string, connected: boolean) => {
      if (connected && this.#expects(siteId) && !this.#runs.get(siteId)?.done) this.#begin(siteId);
    };
    const onStats = (all: SiteMediaStats[]) => {
      for (const s of all) this.#sample(s);
    };
    const onReport = (siteId: string, report: SiteReport) => this.#reports.set(siteId, report);
    const onConfirm = (siteId: string, c: { hears: boolean; sees: boolean }) => {
      this.#confirmations.set(siteId, c);
      if (this.#expects(siteId)) this.#begin(siteId);
    };
    const { briefing, conference } = this.#o;
    briefing.on('presence', onPresence);
    briefing.on('report', onReport);
    briefing.on('confirm', onConfirm);
    conference.on('stats', onStats);
    this.#off.push(
      () => briefing.off('presence', onPresence),
      () => briefing.off('report', onReport),
      () => briefing.off('confirm', onConfirm),
      () => conference.off('stats', onStats),
    );
    for (const siteId of session.siteIds) if (briefing.isPresent(siteId)) this.#begin(siteId);
    this.#log.info({ session: session.id, expected: session.siteIds.length }, 'rehearsal checks started');
  }

  #expects(siteId: string): boolean {
    return this.#session?.siteIds.includes(siteId) ?? false;
  }

  /** Check one site again (from the board), e.g. after its technician fixed something. */
  retest(sessionId: string, siteId: string): void {
    if (this.#session?.id !== sessionId)
      throw new AppError('conflict', 'that rehearsal is not running; retest during the rehearsal');
    if (!this.#expects(siteId)) throw new AppError('bad_request', `site "${siteId}" is not expected in this rehearsal`);
    if (!this.#o.briefing.isPresent(siteId))
      throw new AppError('conflict', `site "${siteId}" is not connected; it is checked as soon as it joins`);
    this.#begin(siteId);
  }

  #begin(siteId: string) {
    this.#runs.set(siteId, { siteId, samples: [], startedAt: Date.now(), flowingAt: null, done: false });
  }

  #sample(s: SiteMediaStats) {
    const run = this.#runs.get(s.siteId);
    if (!run || run.done) return;
    const flowing =
      (s.ice.send === 'connected' || s.ice.send === 'completed') && Object.values(s.producers).some((p) => p.kbps > 0);
    if (flowing && run.flowingAt === null) run.flowingAt = s.at;
    if (run.flowingAt !== null) run.samples.push(s);
    const measured = run.flowingAt !== null && s.at - run.flowingAt >= this.#windowMs;
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
      report: this.#reports.get(run.siteId) ?? null,
      confirmed: this.#confirmations.get(run.siteId) ?? null,
    };
    const checks = runChecks(evidence, this.#th);
    const result: RehearsalResult = {
      sessionId: session.id,
      siteId: run.siteId,
      result: resultOf(checks, present),
      checks,
      updatedAt: new Date().toISOString(),
    };
    this.#log.info(
      { site: run.siteId, result: result.result, failed: checks.filter((c) => !c.pass).map((c) => c.name) },
      'site checked',
    );
    const last = run.samples.at(-1);
    const write = (async () => {
      await this.#o.store.putRehearsalResult(result);
      await this.#o.store.appendEvent({
        type: 'rehearsal.checked',
        siteId: run.siteId,
        sessionId: session.id,
        data: { result: result.result },
      });
      if (present && last) {
        // What the live session can use: how this site reached us and what it could send.
        await this.#o.store.putSiteProfile({
          siteId: run.siteId,
          sessionId: session.id,
          transport: last.transport,
          uplinkKbps: Math.round(Object.values(last.producers).reduce((a, p) => a + p.kbps, 0)),
          rttMs: last.rttMs,
          measuredAt: result.updatedAt,
        });
      }
    })().catch((err: Error) =>
      this.#log.error({ err: err.message, site: run.siteId }, 'could not store a rehearsal result'),
    );
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  /** The rehearsal ends: sites never checked are absent (or failed, if they came but never got media). */
  async finish(session: Session): Promise<void> {
    if (this.#session?.id !== session.id) return;
    for (const siteId of session.siteIds) {
      const run = this.#runs.get(siteId);
      if (run && !run.done) this.#finishRun(run, true);
      if (!run) this.#finishRun({ siteId, samples: [], startedAt: Date.now(), flowingAt: null, done: false }, false);
    }
    await Promise.all(this.#writes);
    this.#stopListening();
    this.#session = undefined;
    this.#log.info({ session: session.id }, 'rehearsal finished');
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
  }
}
