// A rehearsal's report in the schedule panel: the pass / fail / absent counts, each failed site
// with the checks it failed and why (the server's words), and the operator's tools: check the
// failed sites again, download the CSV, open the printable page. Read again every 3 s while the
// rehearsal is under way, whether or not the panel is open: the tiles' rehearsal markers follow
// these reads.
import { failureText } from './actions.js';
import { ApiError, type OperatorApi, type RehearsalReport, type ReportSite, type SessionView } from './api.js';
import { el, fill, icon, show } from './dom.js';
import { openBlankWindow, saveFile, showPage } from './files.js';
import { clock, wallClock } from './format.js';
import { type StringKey, t } from './i18n.js';
import { type BoardModel, siteName } from './model.js';

export interface ReportHooks {
  /** The results changed: the board reads every site's latest rehearsal result again. */
  resultsChanged(): void;
  /** Open a site's detail. */
  select(siteId: string): void;
}

type Tool = 'retest-failed' | 'csv' | 'print';

interface Outcome {
  readonly ok: boolean;
  /** Worded when shown, so a language switch rewords it. */
  readonly text: () => string;
}

const POLL_MS = 3000;
/** A site being checked again shows so until its result changes, or for at most this long. */
const RETEST_SHOWN_MS = 60_000;
/** Names listed in a message before "and N more". */
const NAMES_SHOWN = 8;

const checkKeys: Record<string, StringKey> = {
  signaling: 'check.signaling',
  ice: 'check.ice',
  'audio-sent': 'check.audio-sent',
  'video-sent': 'check.video-sent',
  'hub-received': 'check.hub-received',
  rtt: 'check.rtt',
  loss: 'check.loss',
  jitter: 'check.jitter',
  confirmed: 'check.confirmed',
};
const checkName = (name: string) => {
  const key = checkKeys[name];
  return key ? t(key) : name;
};

export class ReportView {
  readonly root = el('section', { class: 'report', 'aria-live': 'polite' });
  #session: SessionView | null = null;
  #report: RehearsalReport | null = null;
  #error: string | null = null;
  /** Each read gets a number: an answer for a report no longer shown is dropped. */
  #reads = 0;
  #reading = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #signature = '';
  readonly #retesting = new Map<string, { checkedAt: string | null; until: number }>();
  #busy: Tool | null = null;
  #outcome: Outcome | null = null;
  #failedKey = '';
  #absentKey = '';
  #closed = false;

  readonly #heading = el('h3', { class: 'section-heading' });
  readonly #status = el('span', { class: 'report-status' });
  readonly #title = el('p', { class: 'report-title' });
  readonly #totals = el('div', { class: 'report-totals' });
  readonly #lastPass = el('p', { class: 'report-last-pass' });
  readonly #tools: Record<Tool, HTMLButtonElement> = {
    'retest-failed': this.#tool('retest-failed', 'primary wide'),
    csv: this.#tool('csv'),
    print: this.#tool('print'),
  };
  readonly #toolbar = el('div', { class: 'report-tools' }, ...Object.values(this.#tools));
  readonly #result = el('p', { class: 'report-outcome', role: 'status' });
  readonly #failed = el('div', { class: 'report-failed' });
  readonly #absent = el('details', { class: 'report-absent' });
  readonly #message = el('p', { class: 'report-message' });

  constructor(
    readonly api: OperatorApi,
    readonly model: BoardModel,
    readonly hooks: ReportHooks,
  ) {
    this.#build();
  }

  #tool(name: Tool, cls = ''): HTMLButtonElement {
    const b = el('button', { type: 'button', class: cls || undefined, 'data-report-action': name });
    b.addEventListener('click', () => {
      if (name === 'retest-failed') void this.#retestFailed();
      else if (name === 'csv') void this.#csv();
      else this.#print();
    });
    return b;
  }

  #build(): void {
    this.#failedKey = '';
    this.#absentKey = '';
    this.root.replaceChildren(
      el('header', { class: 'report-header' }, this.#heading, this.#status),
      this.#message,
      this.#title,
      this.#totals,
      this.#lastPass,
      this.#toolbar,
      this.#result,
      this.#failed,
      this.#absent,
    );
  }

  get sessionId(): string | null {
    return this.#session?.id ?? null;
  }

  /**
   * Report on this rehearsal (null: none). The same one again (the session list was read again)
   * is read anew only when its status changed or it is under way and not being read already.
   */
  show(session: SessionView | null): void {
    const before = this.#session;
    this.#session = session;
    const same = session?.id === before?.id;
    if (!same) {
      this.#report = null;
      this.#error = null;
      this.#outcome = null;
      this.#retesting.clear();
      this.#signature = '';
    }
    const stale = !same || session?.status !== before?.status;
    const unwatched = session?.status === 'open' && this.#timer === undefined && !this.#reading;
    if (stale || unwatched) void this.refresh();
    else this.render();
  }

  /** Read the report now, and again every 3 s while its rehearsal is under way. */
  async refresh(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const session = this.#session;
    const read = ++this.#reads;
    this.#reading = !!session && !this.#closed;
    if (!this.#reading || !session) {
      this.render();
      return;
    }
    try {
      const report = await this.api.report(session.id);
      if (read !== this.#reads || this.#closed) return;
      this.#report = report;
      this.#error = null;
    } catch (err) {
      if (read !== this.#reads || this.#closed) return;
      this.#error = failureText(err);
    } finally {
      if (read === this.#reads) this.#reading = false;
    }
    this.render();
    const r = this.#report;
    const signature = r
      ? `${r.sessionId}|${r.status}|${r.sites.map((s) => `${s.siteId}:${s.result}:${s.checkedAt}`).join(',')}`
      : '';
    if (signature && signature !== this.#signature) {
      this.#signature = signature;
      this.hooks.resultsChanged();
    }
    if (this.#underWay()) this.#timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  #underWay(): boolean {
    return (this.#report?.sessionStatus ?? this.#session?.status) === 'open';
  }

  /** Rebuild the words after a language switch. */
  relabel(): void {
    this.#build();
    this.render();
  }

  render(): void {
    const session = this.#session;
    const report = this.#report?.sessionId === session?.id ? this.#report : null;
    this.#heading.textContent = t('report.heading');
    this.root.dataset.sessionId = session?.id ?? '';
    const note = !session
      ? t('report.none')
      : this.#error
        ? t('report.unreadable', { message: this.#error })
        : report
          ? ''
          : t('report.loading');
    this.#message.textContent = note;
    show(this.#message, !!note);
    for (const part of [this.#status, this.#title, this.#totals, this.#toolbar, this.#failed]) show(part, !!report);
    this.#renderOutcome();
    if (!session || !report) {
      delete this.root.dataset.status;
      show(this.#lastPass, false);
      show(this.#absent, false);
      return;
    }
    this.root.dataset.status = report.status;
    this.#status.dataset.status = report.status;
    this.#status.textContent = t(report.status === 'complete' ? 'report.complete' : 'report.running');
    this.#title.textContent = `${wallClock(session.startsAtLocal, session.startsAt)} · ${report.title}`;
    this.#title.title = report.title;
    fill(
      this.#totals,
      ...(['pass', 'fail', 'absent'] as const).map((r) =>
        el(
          'span',
          { class: 'report-total', 'data-result': r, 'data-count': report.totals[r] },
          el('strong', {}, String(report.totals[r])),
          ` ${t(`report.${r}`)}`,
        ),
      ),
    );
    this.#lastPass.textContent = report.lastPassAt
      ? t('report.lastPass', { time: clock(report.lastPassAt, true) })
      : '';
    show(this.#lastPass, !!report.lastPassAt);
    this.#renderTools(report);
    this.#renderFailed(report);
    this.#renderAbsent(report);
  }

  #renderTools(report: RehearsalReport): void {
    const underWay = this.#underWay();
    const failing = report.totals.fail + report.totals.absent > 0;
    const b = this.#tools;
    b['retest-failed'].replaceChildren(t('report.retestFailed'));
    b['retest-failed'].disabled = this.#busy !== null || !underWay || !failing;
    b['retest-failed'].title = underWay ? '' : t('report.retestClosed');
    b.csv.replaceChildren(icon('download'), t('report.csv'));
    b.csv.disabled = this.#busy !== null;
    b.print.replaceChildren(icon('print'), t('report.print'));
    b.print.title = t('report.printTitle');
    b.print.disabled = this.#busy !== null;
  }

  /** The failed sites and why; rebuilt only when that changes, so a read does not eat a click. */
  #renderFailed(report: RehearsalReport): void {
    const now = Date.now();
    for (const [id, r] of this.#retesting) {
      const site = report.sites.find((s) => s.siteId === id);
      if (now > r.until || !site || site.checkedAt !== r.checkedAt) this.#retesting.delete(id);
    }
    const failed = report.sites.filter((s) => s.result === 'fail');
    const underWay = this.#underWay();
    const key = JSON.stringify([
      failed.map((s) => [s.siteId, s.checks.filter((c) => !c.pass)]),
      [...this.#retesting.keys()],
      underWay,
      this.#busy !== null,
    ]);
    if (key === this.#failedKey) return;
    this.#failedKey = key;
    const heading = el('h4', { class: 'report-subheading' }, t('report.failedHeading', { n: failed.length }));
    if (!failed.length) {
      fill(this.#failed, heading, el('p', { class: 'report-empty' }, t('report.noFailures')));
      return;
    }
    fill(
      this.#failed,
      heading,
      el('ul', { class: 'report-sites' }, ...failed.map((s) => this.#failedSite(s, underWay))),
    );
  }

  #failedSite(s: ReportSite, underWay: boolean): HTMLElement {
    const name = el('button', { type: 'button', class: 'link-button report-site-name' }, this.#name(s.siteId, s.name));
    name.addEventListener('click', () => this.hooks.select(s.siteId));
    const again = el(
      'button',
      { type: 'button', class: 'small', 'data-site-action': 'retest', disabled: !underWay || this.#busy !== null },
      t('report.retestSite'),
    );
    again.addEventListener('click', () => void this.#retestSite(s.siteId));
    const retesting = this.#retesting.has(s.siteId);
    return el(
      'li',
      { class: 'report-site', 'data-report-site': s.siteId, 'data-result': s.result },
      el(
        'div',
        { class: 'report-site-line' },
        name,
        retesting ? el('span', { class: 'report-retesting' }, t('report.retesting')) : null,
        underWay && !retesting ? again : null,
      ),
      el(
        'ul',
        { class: 'report-checks' },
        ...s.checks
          .filter((c) => !c.pass)
          .map((c) =>
            el('li', { 'data-check': c.name }, el('strong', {}, `${checkName(c.name)}: `), el('span', {}, c.reason)),
          ),
      ),
    );
  }

  #renderAbsent(report: RehearsalReport): void {
    const absent = report.sites.filter((s) => s.result === 'absent');
    show(this.#absent, absent.length > 0);
    const key = absent.map((s) => s.siteId).join(',');
    if (key === this.#absentKey) return;
    this.#absentKey = key;
    const open = this.#absent.open;
    fill(
      this.#absent,
      el('summary', {}, t('report.absentHeading', { n: absent.length })),
      el('p', { class: 'report-absent-names' }, absent.map((s) => this.#name(s.siteId, s.name)).join(', ')),
    );
    this.#absent.open = open; // keep it as the operator left it
  }

  #renderOutcome(): void {
    const o = this.#outcome;
    show(this.#result, !!o);
    if (!o) return;
    this.#result.dataset.ok = String(o.ok);
    this.#result.textContent = o.text();
  }

  #name(siteId: string, fallback: string): string {
    return siteName(this.model.site(siteId), fallback);
  }

  /** "Cà Mau, Hà Giang" or "A, B, … and 53 more sites". */
  #names(ids: readonly string[]): string {
    const names = ids.map((id) => this.#name(id, id));
    if (names.length <= NAMES_SHOWN) return names.join(', ');
    return t('report.more', { names: names.slice(0, NAMES_SHOWN).join(', '), n: names.length - NAMES_SHOWN });
  }

  async #run(tool: Tool, work: () => Promise<Outcome | null>): Promise<void> {
    const id = this.sessionId;
    this.#busy = tool;
    this.#outcome = null;
    this.render();
    const outcome = await work();
    this.#busy = null;
    if (id !== this.sessionId) return; // another report is shown now
    this.#outcome = outcome;
    this.render();
  }

  #markRetesting(ids: readonly string[]): void {
    const until = Date.now() + RETEST_SHOWN_MS;
    for (const id of ids) {
      const checkedAt = this.#report?.sites.find((s) => s.siteId === id)?.checkedAt ?? null;
      this.#retesting.set(id, { checkedAt, until });
    }
  }

  #retestFailed(): Promise<void> {
    const id = this.sessionId;
    if (!id) return Promise.resolve();
    return this.#run('retest-failed', async () => {
      try {
        const r = await this.api.retestFailed(id);
        this.#markRetesting(r.retesting);
        const retesting = [...r.retesting];
        const notConnected = [...r.notConnected];
        return {
          ok: retesting.length > 0,
          text: () =>
            [
              retesting.length ? t('report.retestStarted', { names: this.#names(retesting) }) : t('report.retestNone'),
              notConnected.length ? t('report.notConnected', { names: this.#names(notConnected) }) : '',
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

  #retestSite(siteId: string): Promise<void> {
    const id = this.sessionId;
    if (!id) return Promise.resolve();
    return this.#run('retest-failed', async () => {
      try {
        await this.api.retestSite(id, siteId);
        this.#markRetesting([siteId]);
        return { ok: true, text: () => t('report.retestStarted', { names: this.#names([siteId]) }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('report.retestError', { message }) };
      }
    });
  }

  #csv(): Promise<void> {
    const id = this.sessionId;
    if (!id) return Promise.resolve();
    return this.#run('csv', async () => {
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

  #print(): void {
    const id = this.sessionId;
    if (!id) return;
    // Opened now, in the click: once the fetch has taken a while a popup blocker refuses it.
    const win = openBlankWindow();
    if (win) {
      win.document.title = t('report.loading');
      win.document.body.textContent = t('report.loading');
    }
    void this.#run('print', async () => {
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
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
