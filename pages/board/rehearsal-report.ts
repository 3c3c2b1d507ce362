// A rehearsal's report as the board holds it: read over REST, again every 3 s while the
// rehearsal is under way (whether or not the schedule panel is open: the tiles' rehearsal
// marks follow these reads), and the operator's tools on it: check the failed sites again,
// download the CSV, open the printable page. The report panel renders from these signals.
import { computed, signal } from '@preact/signals';
import { failureText } from './actions.js';
import { ApiError, type OperatorApi, type RehearsalReport, type SessionView } from './api.js';
import { openBlankWindow, saveFile, showPage } from './files.js';
import { t } from './i18n.js';

export type ReportTool = 'retest-failed' | 'csv' | 'print';

export interface Outcome {
  readonly ok: boolean;
  /** Worded when shown, so a language switch rewords it. */
  readonly text: () => string;
}

interface Retesting {
  /** The site's check time when the retest was asked for: a newer one is its result. */
  readonly checkedAt: string | null;
  readonly until: number;
}

const POLL_MS = 3000;
/** A site being checked again shows so until its result changes, or for at most this long. */
const RETEST_SHOWN_MS = 60_000;

export class ReportData {
  readonly session = signal<SessionView | null>(null);
  /** The report of `session`, once read. */
  readonly report = signal<RehearsalReport | null>(null);
  readonly error = signal<string | null>(null);
  readonly busy = signal<ReportTool | null>(null);
  readonly outcome = signal<Outcome | null>(null);
  readonly retesting = signal<ReadonlyMap<string, Retesting>>(new Map());
  /** The rehearsal is open: its sites can be checked again, and the report is read again. */
  readonly underWay = computed(() => (this.report.value?.sessionStatus ?? this.session.value?.status) === 'open');
  /**
   * Which sites have which result, as one string: it changes when a result does, and then the
   * board reads every site's latest result again (the tiles' marks follow).
   */
  readonly results = computed(() => {
    const r = this.report.value;
    return r
      ? `${r.sessionId}|${r.status}|${r.sites.map((s) => `${s.siteId}:${s.result}:${s.checkedAt}`).join(',')}`
      : '';
  });
  /** Each read gets a number: an answer for a report no longer shown is dropped. */
  #reads = 0;
  #reading = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    readonly api: OperatorApi,
    /** "Cà Mau, Hà Giang" or "A, B, … and 53 more sites". */
    readonly names: (siteIds: readonly string[]) => string,
  ) {}

  get sessionId(): string | null {
    return this.session.peek()?.id ?? null;
  }

  /**
   * Report on this rehearsal (null: none). The same one again (the session list was read again)
   * is read anew only when its status changed or it is under way and not being read already.
   */
  show(session: SessionView | null): void {
    const before = this.session.peek();
    const same = session?.id === before?.id;
    this.session.value = session;
    if (!same) {
      this.report.value = null;
      this.error.value = null;
      this.outcome.value = null;
      this.retesting.value = new Map();
    }
    const stale = !same || session?.status !== before?.status;
    const unwatched = session?.status === 'open' && this.#timer === undefined && !this.#reading;
    if (stale || unwatched) void this.refresh();
  }

  /** Read the report now, and again every 3 s while its rehearsal is under way. */
  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const session = this.session.peek();
    const read = ++this.#reads;
    this.#reading = !!session && !this.#closed;
    if (!this.#reading || !session) return;
    try {
      const report = await this.api.report(session.id);
      if (read !== this.#reads || this.#closed) return;
      this.report.value = report;
      this.error.value = null;
      this.#prune(report);
    } catch (err) {
      if (read !== this.#reads || this.#closed) return;
      this.error.value = failureText(err);
    } finally {
      if (read === this.#reads) this.#reading = false;
    }
    if (this.underWay.peek()) this.#timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  /** A site shows "checking again" until its result is newer, or a minute has passed. */
  #prune(report: RehearsalReport): void {
    const now = Date.now();
    const kept = [...this.retesting.peek()].filter(([id, r]) => {
      const site = report.sites.find((s) => s.siteId === id);
      return now <= r.until && site?.checkedAt === r.checkedAt;
    });
    if (kept.length !== this.retesting.peek().size) this.retesting.value = new Map(kept);
  }

  #markRetesting(ids: readonly string[]): void {
    const until = Date.now() + RETEST_SHOWN_MS;
    const next = new Map(this.retesting.peek());
    for (const id of ids) {
      const checkedAt = this.report.peek()?.sites.find((s) => s.siteId === id)?.checkedAt ?? null;
      next.set(id, { checkedAt, until });
    }
    this.retesting.value = next;
  }

  async #run(tool: ReportTool, work: (sessionId: string) => Promise<Outcome | null>): Promise<void> {
    const id = this.sessionId;
    if (!id) return;
    this.busy.value = tool;
    this.outcome.value = null;
    const outcome = await work(id);
    this.busy.value = null;
    if (id !== this.sessionId) return; // another report is shown now
    this.outcome.value = outcome;
  }

  retestFailed(): Promise<void> {
    return this.#run('retest-failed', async (id) => {
      try {
        const { retesting, notConnected } = await this.api.retestFailed(id);
        this.#markRetesting(retesting);
        return {
          ok: retesting.length > 0,
          text: () =>
            [
              retesting.length ? t('report.retestStarted', { names: this.names(retesting) }) : t('report.retestNone'),
              notConnected.length ? t('report.notConnected', { names: this.names(notConnected) }) : '',
            ]
              .filter(Boolean)
              .join(' '),
        };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('report.retestError', { message }) };
      }
    });
  }

  retestSite(siteId: string): Promise<void> {
    return this.#run('retest-failed', async (id) => {
      try {
        await this.api.retestSite(id, siteId);
        this.#markRetesting([siteId]);
        return { ok: true, text: () => t('report.retestStarted', { names: this.names([siteId]) }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('report.retestError', { message }) };
      }
    });
  }

  csv(): Promise<void> {
    return this.#run('csv', async (id) => {
      try {
        const file = await this.api.reportCsv(id);
        const name = file.filename ?? `bao-cao-kiem-tra-${id}.csv`;
        saveFile(file.blob, name);
        return { ok: true, text: () => t('report.downloaded', { file: name }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('report.downloadFailed', { message }) };
      }
    });
  }

  print(): void {
    if (!this.sessionId) return;
    // Opened now, in the click: once the fetch has taken a while a popup blocker refuses it.
    const win = openBlankWindow();
    if (win) {
      win.document.title = t('report.loading');
      win.document.body.textContent = t('report.loading');
    }
    void this.#run('print', async (id) => {
      try {
        const file = await this.api.reportHtml(id);
        if (!win) {
          const name = `bao-cao-kiem-tra-${id}.html`;
          saveFile(file.blob, name);
          return { ok: false, text: () => t('report.popupBlocked', { file: name }) };
        }
        await showPage(win, await file.blob.text());
        return null; // the new tab is the outcome
      } catch (err) {
        win?.close();
        const message = err instanceof ApiError ? failureText(err) : (err as Error).message;
        return { ok: false, text: () => t('report.downloadFailed', { message }) };
      }
    });
  }

  close(): void {
    this.#closed = true;
    this.#reads++; // an answer still on its way is dropped
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
