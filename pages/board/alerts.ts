// Alerts: the server raises one when a site drops or degrades during the live session. The
// board shows a banner (the newest, and how many more), the tile flashes (grid.ts) and a short
// beep sounds, made with WebAudio (no audio file), unless the operator turned it off.
import type { AlertView } from '../../contract/index.js';
import { el, icon, show } from './dom.js';
import { clock } from './format.js';
import { t } from './i18n.js';
import { type BoardModel, siteName } from './model.js';
import { reasonText } from './reasons.js';

const SOUND_KEY = 'giaoBan.board.sound';

export class Alerts {
  #open: AlertView[] = [];
  #sound: boolean;
  #audio: AudioContext | undefined;
  /** An alert could not beep: nobody has clicked this page yet. */
  #waitingForGesture = false;

  constructor(
    readonly banner: HTMLElement,
    readonly toggle: HTMLButtonElement,
    readonly model: BoardModel,
    readonly handlers: { open(siteId: string): void; dismissed(siteIds: string[]): void },
    signal: AbortSignal,
  ) {
    this.#sound = readSound();
    toggle.addEventListener(
      'click',
      () => {
        this.#sound = !this.#sound;
        try {
          localStorage.setItem(SOUND_KEY, this.#sound ? 'on' : 'off');
        } catch {
          // storage disabled: the choice lasts for this page only
        }
        this.renderToggle();
        if (this.#sound) this.#beep();
      },
      { signal },
    );
    // Browsers start audio only after a gesture: any click on the board unlocks it for later.
    const unlock = () => {
      if (!this.#sound) return;
      this.#waitingForGesture = false;
      void this.#context()
        ?.resume()
        .then(() => this.renderToggle());
    };
    document.addEventListener('pointerdown', unlock, { passive: true, signal });
    document.addEventListener('keydown', unlock, { passive: true, signal });
    this.renderToggle();
    this.render();
  }

  raise(alert: AlertView): void {
    this.#open = [...this.#open.filter((a) => a.siteId !== alert.siteId), alert];
    this.render();
    if (this.#sound) this.#beep();
  }

  /** The operator opened the site: its alert is seen. */
  seen(siteId: string): void {
    const before = this.#open.length;
    this.#open = this.#open.filter((a) => a.siteId !== siteId);
    if (this.#open.length !== before) this.render();
  }

  dismissAll(): void {
    const ids = this.#open.map((a) => a.siteId);
    this.#open = [];
    this.render();
    this.handlers.dismissed(ids);
  }

  render(): void {
    const latest = this.#open.at(-1);
    show(this.banner, Boolean(latest));
    document.body.classList.toggle('has-alert', Boolean(latest));
    if (!latest) {
      this.banner.replaceChildren();
      return;
    }
    const name = siteName(this.model.site(latest.siteId), latest.siteId);
    const open = el(
      'button',
      { type: 'button', class: 'alert-open', 'data-alert-site': latest.siteId },
      icon('warning'),
      el('strong', {}, t(latest.kind === 'degraded' ? 'alert.degraded' : 'alert.dropped', { name })),
      el('span', { class: 'alert-time' }, clock(latest.at, true)),
      el('span', { class: 'alert-reason' }, reasonText(latest.reason)),
      this.#open.length > 1 ? el('span', { class: 'alert-more' }, t('alert.more', { n: this.#open.length - 1 })) : null,
    );
    open.addEventListener('click', () => this.handlers.open(latest.siteId));
    const dismiss = el('button', { type: 'button', class: 'alert-dismiss' }, t('alert.dismiss'));
    dismiss.addEventListener('click', () => this.dismissAll());
    this.banner.replaceChildren(open, dismiss);
  }

  renderToggle(): void {
    this.toggle.dataset.on = String(this.#sound);
    // Icon only: the header has no room for words; the tooltip and the label say it.
    // A wall screen nobody clicked yet cannot beep: the browser waits for a gesture.
    const blocked = this.#sound && (this.#waitingForGesture || this.#audio?.state === 'suspended');
    this.toggle.dataset.blocked = String(blocked);
    const label = `${t(this.#sound ? 'sound.on' : 'sound.off')} · ${t(blocked ? 'sound.blocked' : 'sound.title')}`;
    this.toggle.title = label;
    this.toggle.setAttribute('aria-label', label);
    this.toggle.replaceChildren(icon(this.#sound ? 'bell' : 'bellOff'));
  }

  close(): void {
    void this.#audio?.close().catch(() => undefined);
  }

  #context(): AudioContext | undefined {
    if (this.#audio) return this.#audio;
    if (typeof AudioContext === 'undefined') return undefined;
    this.#audio = new AudioContext();
    return this.#audio;
  }

  /** Two short tones, loud enough to hear across a control room and short enough not to annoy. */
  #beep(): void {
    // Without a gesture the browser would refuse (and complain in the console): say so instead.
    if (!this.#audio && navigator.userActivation && !navigator.userActivation.hasBeenActive) {
      this.#waitingForGesture = true;
      this.renderToggle();
      return;
    }
    const ctx = this.#context();
    if (!ctx) return;
    void ctx
      .resume()
      .catch(() => undefined)
      .then(() => this.renderToggle());
    // Still suspended a moment later: say so on the toggle, so the operator clicks once.
    setTimeout(() => this.renderToggle(), 300);
    const start = ctx.currentTime + 0.02;
    for (const [offset, freq] of [
      [0, 880],
      [0.22, 660],
    ] as const) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + offset);
      osc.stop(start + offset + 0.2);
    }
  }
}

function readSound(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}
