// The alerts for the room's technician and the operator's messages, as banners over the page
// with a short sound: what happened and, step by step, what to do (contract/alerts.ts words
// them in the page's language). An alert stays until the technician presses its button, which
// tells the operator's call list that someone is on it; a message stays until it is closed.
import type { SiteClient } from '../../client/site-client.js';
import { alertWords, type OperatorMessage, type TechnicianAlertNotice } from '../../contract/alerts.js';
import { getLang, onLangChange } from './i18n.js';

const ui = {
  vi: {
    ack: 'Đã nhận, tôi đang xử lý',
    acking: 'Đang gửi…',
    ackFailed: 'Chưa báo được cho điều hành viên ({error}). Bấm lại.',
    steps: 'Việc cần làm:',
    message: 'Tin nhắn của điều hành viên Trung ương',
    close: 'Đóng',
  },
  en: {
    ack: 'Got it, I am on it',
    acking: 'Sending…',
    ackFailed: 'Could not tell the operator ({error}). Press again.',
    steps: 'What to do:',
    message: 'Message from the central operator',
    close: 'Close',
  },
} as const;

const words = () => ui[getLang()];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class AlertBanners {
  readonly #root: HTMLElement;
  readonly #c: SiteClient;
  /** What the banners show now, so a render that changes nothing touches nothing. */
  #shown = '';
  readonly #failed = new Map<string, string>();
  readonly #sending = new Set<string>();
  #audio: AudioContext | undefined;

  constructor(conference: SiteClient) {
    this.#c = conference;
    this.#root = el('div', 'tech-alerts');
    this.#root.id = 'tech-alerts';
    this.#root.setAttribute('role', 'alert');
    this.#root.setAttribute('aria-live', 'assertive');
    document.body.append(this.#root);
    conference.on('change', () => this.render());
    conference.on('alert', () => this.#beep([880, 660, 880]));
    conference.on('message', () => this.#beep([660, 880]));
    onLangChange(() => {
      this.#shown = '';
      this.render();
    });
  }

  render(): void {
    const { alerts, messages } = this.#c;
    const key = JSON.stringify([
      getLang(),
      alerts.map((a) => a.id),
      messages.map((m) => m.id),
      [...this.#failed],
      [...this.#sending],
    ]);
    if (key === this.#shown) return;
    this.#shown = key;
    this.#root.replaceChildren(...alerts.map((a) => this.#alert(a)), ...messages.map((m) => this.#message(m)));
    this.#root.hidden = alerts.length + messages.length === 0;
  }

  #alert(a: TechnicianAlertNotice): HTMLElement {
    const w = words();
    const { title, steps } = alertWords(a.facts, getLang());
    const box = el('section', 'tech-alert');
    box.dataset.alertId = a.id;
    box.dataset.kind = a.facts.kind;
    const list = el('ol', 'tech-alert-steps');
    list.append(...steps.map((s) => el('li', '', s)));
    const sending = this.#sending.has(a.id);
    const button = el('button', 'primary tech-alert-ack', sending ? w.acking : w.ack);
    button.type = 'button';
    button.disabled = sending;
    button.addEventListener('click', () => void this.#acknowledge(a.id));
    box.append(el('h2', 'tech-alert-title', title), el('p', 'tech-alert-lead', w.steps), list, button);
    const failed = this.#failed.get(a.id);
    if (failed) box.append(el('p', 'tech-alert-error', w.ackFailed.replace('{error}', failed)));
    return box;
  }

  #message(m: OperatorMessage): HTMLElement {
    const w = words();
    const box = el('section', 'operator-message');
    box.dataset.messageId = m.id;
    const at = new Date(m.at).toLocaleTimeString(getLang() === 'vi' ? 'vi-VN' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
    });
    const close = el('button', 'operator-message-close', w.close);
    close.type = 'button';
    close.addEventListener('click', () => this.#c.dismissMessage(m.id));
    box.append(
      el('h2', 'operator-message-title', `${w.message} · ${at}`),
      el('p', 'operator-message-text', m.text),
      close,
    );
    return box;
  }

  async #acknowledge(id: string): Promise<void> {
    if (this.#sending.has(id)) return;
    this.#sending.add(id);
    this.#failed.delete(id);
    this.render();
    try {
      await this.#c.acknowledgeAlert(id);
    } catch (err) {
      this.#failed.set(id, err instanceof Error ? err.message : String(err));
    } finally {
      this.#sending.delete(id);
      this.render();
    }
  }

  /**
   * A few short tones, loud enough to be heard across the room. The browser plays sound only
   * after the page was clicked (Join is a click); before that the banner alone has to do.
   */
  #beep(tones: readonly number[]): void {
    if (typeof AudioContext === 'undefined') return;
    this.#audio ??= new AudioContext();
    const ctx = this.#audio;
    void ctx.resume().then(
      () => {
        this.#root.dataset.sound = ctx.state === 'running' ? 'played' : 'blocked';
      },
      () => {
        this.#root.dataset.sound = 'blocked';
      },
    );
    const start = ctx.currentTime + 0.02;
    tones.forEach((freq, i) => {
      const at = start + i * 0.25;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.22);
    });
  }
}
