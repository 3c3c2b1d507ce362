// The detail of one site (opened from its tile, its map dot, a hand or an alert): every metric,
// the reason for its state, its technician's phone, and the operator's actions on it. The
// panel's buttons are built once per opening and only updated after, so a status push that
// lands between press and release does not swallow a click.
import type { Site } from '../../config/roster.js';
import type { SiteStatusView } from '../../contract/index.js';
import { type Actions, copyText, describeError } from './actions.js';
import type { Result } from './connection.js';
import { el, fill, icon, show } from './dom.js';
import { dateTime, num } from './format.js';
import { tileFlags } from './grid.js';
import { type StringKey, t } from './i18n.js';
import { type BoardModel, regionName, siteName } from './model.js';
import { reasonText } from './reasons.js';

type ActionName = 'floor' | 'mute' | 'restart-ice' | 'disconnect' | 'copy-link' | 'reissue';
type Confirmable = 'disconnect' | 'reissue';

interface Outcome {
  readonly ok: boolean;
  readonly text: string;
  readonly link?: string;
}

interface Parts {
  readonly title: HTMLElement;
  readonly subtitle: HTMLElement;
  readonly state: HTMLElement;
  readonly reason: HTMLElement;
  readonly metrics: HTMLElement;
  readonly flags: HTMLElement;
  readonly people: HTMLElement;
  readonly buttons: Record<ActionName, HTMLButtonElement>;
  readonly confirm: HTMLElement;
  readonly result: HTMLElement;
}

const measured =
  (key: string, unit: string, digits = 0) =>
  (s: SiteStatusView): string | null => {
    const value = num(s.metrics[key], digits);
    return value === null ? null : `${value}${unit}`;
  };

/** Read in pairs, left to right: the quality on the left, the traffic on the right. */
const metricRows: readonly { label: StringKey; value: (s: SiteStatusView) => string | null }[] = [
  { label: 'metric.rtt', value: measured('rttMs', ' ms') },
  { label: 'metric.in', value: measured('inKbps', ' kb/s') },
  { label: 'metric.loss', value: measured('lossPct', '%', 1) },
  { label: 'metric.out', value: measured('outKbps', ' kb/s') },
  { label: 'metric.jitter', value: measured('jitterMs', ' ms') },
  { label: 'metric.transport', value: (s) => s.transport?.toUpperCase() ?? null },
  { label: 'metric.mic', value: measured('micScore', '/10') },
  { label: 'metric.cam', value: measured('camScore', '/10') },
];

export class DetailPanel {
  #siteId: string | null = null;
  #parts: Parts | undefined;
  #confirming: Confirmable | null = null;
  #busy = false;
  #outcome: Outcome | null = null;

  constructor(
    readonly root: HTMLElement,
    readonly model: BoardModel,
    readonly actions: () => Actions | undefined,
    readonly onClose: () => void,
    signal: AbortSignal,
  ) {
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Escape' && this.#siteId) this.close();
      },
      { signal },
    );
  }

  get siteId(): string | null {
    return this.#siteId;
  }

  open(siteId: string): void {
    if (!this.model.site(siteId)) return;
    if (siteId !== this.#siteId) {
      this.#siteId = siteId;
      this.#confirming = null;
      this.#outcome = null;
      this.#busy = false;
      this.#build();
    }
    show(this.root, true);
    this.update();
  }

  close(): void {
    this.#siteId = null;
    this.#parts = undefined;
    show(this.root, false);
    this.root.replaceChildren();
    this.onClose();
  }

  /** Rebuild the labels (language switch) without losing the outcome shown. */
  relabel(): void {
    if (!this.#siteId) return;
    this.#build();
    this.update();
  }

  #build(): void {
    const site = this.#site();
    if (!site) return;
    const button = (name: ActionName, cls = '') => {
      const b = el('button', { type: 'button', class: `action ${cls}`.trim(), 'data-action': name });
      b.addEventListener('click', () => void this.#act(name));
      return b;
    };
    const close = el('button', { type: 'button', class: 'detail-close', 'aria-label': t('detail.close') }, '×');
    close.addEventListener('click', () => this.close());
    const parts: Parts = {
      title: el('h2', { class: 'detail-title' }),
      subtitle: el('p', { class: 'detail-subtitle' }),
      state: el('p', { class: 'detail-state' }),
      reason: el('p', { class: 'detail-reason' }),
      metrics: el('dl', { class: 'detail-metrics' }),
      flags: el('ul', { class: 'detail-flags' }),
      people: el('div', { class: 'detail-people' }),
      buttons: {
        floor: button('floor', 'primary'),
        mute: button('mute'),
        'restart-ice': button('restart-ice'),
        disconnect: button('disconnect', 'danger'),
        'copy-link': button('copy-link'),
        reissue: button('reissue', 'danger'),
      },
      confirm: el('div', { class: 'detail-confirm', role: 'alertdialog' }),
      result: el('div', { class: 'detail-result', role: 'status', 'aria-live': 'polite' }),
    };
    this.#parts = parts;
    this.root.replaceChildren(
      el('header', { class: 'detail-header' }, el('div', {}, parts.title, parts.subtitle), close),
      parts.state,
      parts.reason,
      parts.metrics,
      parts.flags,
      el('div', { class: 'detail-actions' }, ...Object.values(parts.buttons)),
      parts.confirm,
      parts.result,
      parts.people,
    );
    // The roster does not change: filled once, so the phone link is not replaced under a click.
    this.#people(site);
  }

  #site(): Site | undefined {
    return this.#siteId ? this.model.site(this.#siteId) : undefined;
  }

  /** Fill in the current status; called on every push that concerns this site. */
  update(): void {
    const site = this.#site();
    const status = this.#siteId ? this.model.status(this.#siteId) : undefined;
    const p = this.#parts;
    if (!site || !status || !p) return;
    const other = site.kind === 'hub' ? t('detail.hub') : regionName(site.region);
    p.title.textContent = siteName(site);
    p.subtitle.textContent = `${site.name === siteName(site) ? site.nameEn : site.name} · ${other}`;
    this.root.dataset.state = status.state;
    p.state.replaceChildren(
      el('span', { class: 'state-badge', 'data-badge': status.state }, t(`state.${status.state}`)),
      el('span', { class: 'detail-since' }, `${t('detail.since')} ${dateTime(status.since)}`),
    );
    p.reason.textContent = status.reason ? `${t('detail.reason')}: ${reasonText(status.reason)}` : '';
    this.#metrics(status);
    p.flags.replaceChildren(
      ...tileFlags
        .filter((f) => status.flags[f.flag])
        .map((f) => el('li', { 'data-flag': f.flag }, icon(f.icon), el('span', {}, t(f.label)))),
    );
    this.#buttons(site, status);
    this.#renderConfirm(site);
    this.#renderOutcome();
  }

  #metrics(status: SiteStatusView): void {
    const p = this.#parts;
    if (!p) return;
    const rows = metricRows.map((row) => [t(row.label), row.value(status) ?? t('metric.none')] as const);
    p.metrics.replaceChildren(...rows.flatMap(([label, value]) => [el('dt', {}, label), el('dd', {}, value)]));
  }

  #people(site: Site): void {
    const p = this.#parts;
    if (!p) return;
    const tech = site.technician
      ? el(
          'p',
          { class: 'detail-technician' },
          `${t('detail.technician')}: ${site.technician.name} · `,
          el('a', { href: `tel:${site.technician.phone.replace(/[^\d+]/g, '')}` }, site.technician.phone),
        )
      : el('p', { class: 'detail-technician missing' }, t('detail.noTechnician'));
    const result = this.model.rehearsalResult(site.id);
    const rehearsal = this.model.rehearsal
      ? el(
          'p',
          { class: 'detail-rehearsal', 'data-result': result ?? 'pending' },
          `${t('detail.rehearsal', { when: dateTime(this.model.rehearsal.startsAt) })}: `,
          el('strong', { class: 'rehearsal-result' }, t(`rehearsal.${result ?? 'pending'}`)),
        )
      : null;
    fill(
      p.people,
      tech,
      rehearsal,
      el('p', {}, `${t('detail.location')}: ${site.location}`),
      site.units.length ? el('p', { class: 'detail-units' }, `${t('detail.units')}: ${site.units.join('; ')}`) : null,
    );
  }

  /** New rehearsal results were read: the open site's verdict is shown again if it changed. */
  rehearsalChanged(siteIds: readonly string[]): void {
    const site = this.#site();
    if (site && siteIds.includes(site.id)) this.#people(site);
  }

  #buttons(site: Site, status: SiteStatusView): void {
    const b = this.#parts?.buttons;
    if (!b) return;
    const hasFloor = Boolean(status.flags.floor);
    const muted = this.model.conference?.muted.includes(site.id) ?? Boolean(status.flags.muted);
    const offline = status.state === 'offline';
    b.floor.textContent = t(hasFloor ? 'action.takeFloor' : 'action.giveFloor');
    b.floor.dataset.has = String(hasFloor);
    show(b.floor, site.kind === 'bridge');
    b.mute.textContent = t(muted ? 'action.unmute' : 'action.mute');
    b.mute.dataset.muted = String(muted);
    b['restart-ice'].textContent = t('action.restartIce');
    b.disconnect.textContent = t('action.disconnect');
    b['copy-link'].textContent = t('action.copyLink');
    b.reissue.textContent = t('action.reissue');
    for (const [name, button] of Object.entries(b) as [ActionName, HTMLButtonElement][]) {
      const needsConnection = name === 'restart-ice' || name === 'disconnect';
      button.disabled = this.#busy || this.#confirming !== null || (needsConnection && offline);
    }
  }

  #renderConfirm(site: Site): void {
    const box = this.#parts?.confirm;
    if (!box) return;
    show(box, this.#confirming !== null);
    if (!this.#confirming) {
      delete box.dataset.for;
      box.replaceChildren();
      return;
    }
    if (box.dataset.for === this.#confirming) return; // keep the buttons the operator is about to press
    box.dataset.for = this.#confirming;
    const what = this.#confirming;
    const yes = el('button', { type: 'button', class: 'danger', 'data-confirm': 'yes' }, t('action.confirm'));
    const no = el('button', { type: 'button', 'data-confirm': 'no' }, t('action.cancel'));
    yes.addEventListener('click', () => {
      this.#confirming = null;
      void this.#run(what);
    });
    no.addEventListener('click', () => {
      this.#confirming = null;
      this.update();
    });
    const question = t(what === 'reissue' ? 'action.confirmReissue' : 'action.confirmDisconnect', {
      name: siteName(site),
    });
    box.replaceChildren(el('p', {}, question), el('div', { class: 'confirm-buttons' }, yes, no));
  }

  #renderOutcome(): void {
    const box = this.#parts?.result;
    if (!box) return;
    const o = this.#outcome;
    show(box, Boolean(o));
    if (!o) return;
    const key = `${o.ok}|${o.text}|${o.link ?? ''}`;
    if (box.dataset.key === key) return; // the operator may be selecting the link
    box.dataset.key = key;
    box.dataset.ok = String(o.ok);
    const input = o.link ? el('input', { type: 'text', readonly: true, class: 'link-field', value: o.link }) : null;
    input?.addEventListener('focus', () => input.select());
    fill(box, el('p', {}, o.text), input);
  }

  async #act(name: ActionName): Promise<void> {
    if (name === 'disconnect' || name === 'reissue') {
      this.#confirming = name;
      this.update();
      return;
    }
    await this.#run(name);
  }

  async #run(name: ActionName): Promise<void> {
    const site = this.#site();
    const actions = this.actions();
    if (!site || !actions) return;
    const siteId = site.id;
    const n = { name: siteName(site) };
    this.#busy = true;
    this.#outcome = null;
    this.update();
    let outcome: Outcome;
    const plain = (r: Result<unknown>, done: string): Outcome =>
      r.ok ? { ok: true, text: done } : { ok: false, text: describeError(r.error) };
    switch (name) {
      case 'floor': {
        const hasFloor = Boolean(this.model.status(siteId)?.flags.floor);
        outcome = hasFloor
          ? plain(await actions.takeFloor(), t('action.done.takeFloor'))
          : plain(await actions.giveFloor(siteId), t('action.done.floor', n));
        break;
      }
      case 'mute': {
        const muted = !(this.model.conference?.muted.includes(siteId) ?? false);
        outcome = plain(await actions.mute(siteId, muted), t(muted ? 'action.done.mute' : 'action.done.unmute', n));
        break;
      }
      case 'restart-ice':
        outcome = plain(await actions.restartIce(siteId), t('action.done.restartIce', n));
        break;
      case 'disconnect':
        outcome = plain(await actions.disconnect(siteId), t('action.done.disconnect', n));
        break;
      case 'copy-link': {
        const r = await actions.joinLink(siteId);
        if (!r.ok) outcome = plain(r, '');
        else if (await copyText(r.data)) outcome = { ok: true, text: t('action.done.copied', n) };
        else outcome = { ok: true, text: t('action.done.copyManual'), link: r.data };
        break;
      }
      case 'reissue': {
        const r = await actions.reissue(siteId);
        outcome = r.ok ? { ok: true, text: t('action.done.reissued', n), link: r.data } : plain(r, '');
        break;
      }
    }
    if (this.#siteId !== siteId) return; // the operator moved on to another site meanwhile
    this.#busy = false;
    this.#outcome = outcome;
    this.update();
  }
}
