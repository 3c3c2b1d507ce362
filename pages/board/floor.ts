// The floor and the queue of raised hands, in the order they were raised (conference:changed
// .hands): the operator gives the floor from here in one click, or takes it back. Each part is
// rebuilt only when what it shows changed, so a message appearing or a push arriving does not
// replace a button between the operator's press and release.
import type { ConferenceView } from '../../contract/index.js';
import { type Actions, describeError } from './actions.js';
import type { Result } from './connection.js';
import { el, icon, show } from './dom.js';
import { t } from './i18n.js';
import { type BoardModel, siteName } from './model.js';

type Outcome = { ok: boolean; text: string } | null;

/** How long "the floor was given" stays on screen. */
const MESSAGE_MS = 6000;

export class FloorPanel {
  readonly #holder = el('div', { class: 'floor-holder' });
  readonly #message = el('p', { class: 'floor-message', role: 'status' });
  readonly #handsHeading = el('h2', { class: 'panel-heading' });
  readonly #hands = el('ol', { class: 'hands' });
  #outcome: Outcome = null;
  #clear: ReturnType<typeof setTimeout> | undefined;
  #busy = false;
  #holderKey = '';
  #handsKey = '';

  constructor(
    readonly root: HTMLElement,
    readonly model: BoardModel,
    readonly actions: () => Actions | undefined,
    readonly onSelect: (siteId: string) => void,
  ) {
    this.#build();
  }

  #build(): void {
    this.#holderKey = '';
    this.#handsKey = '';
    this.root.replaceChildren(
      el('h2', { class: 'panel-heading' }, t('floor.heading')),
      this.#holder,
      this.#message,
      this.#handsHeading,
      this.#hands,
    );
  }

  /** Show the current conference; `relabel` after a language switch. */
  render(relabel = false): void {
    if (relabel) this.#build();
    const view = this.model.conference;
    const holderKey = view?.floor ?? '';
    if (holderKey !== this.#holderKey) {
      this.#holderKey = holderKey;
      this.#renderHolder(view);
    }
    const handsKey = (view?.hands ?? []).join(',');
    if (handsKey !== this.#handsKey || relabel) {
      this.#handsKey = handsKey;
      this.#renderHands(view);
    }
    show(this.#message, Boolean(this.#outcome));
    this.#message.textContent = this.#outcome?.text ?? '';
    this.#message.dataset.ok = String(this.#outcome?.ok ?? '');
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-floor-action]')) b.disabled = this.#busy;
  }

  #renderHolder(view: ConferenceView | null): void {
    const holder = view?.floor ?? null;
    this.#holder.classList.toggle('none', !holder);
    if (!holder) {
      this.#holder.replaceChildren(t('floor.nobody'));
      delete this.#holder.dataset.floorSite;
      return;
    }
    this.#holder.dataset.floorSite = holder;
    this.#holder.replaceChildren(
      icon('floor'),
      this.#siteButton(holder, t('floor.holder', { name: this.#name(holder) })),
      this.#button('take', t('action.takeFloor'), () =>
        this.#act(this.actions()?.takeFloor(), t('action.done.takeFloor')),
      ),
    );
  }

  #renderHands(view: ConferenceView | null): void {
    const hands = view?.hands ?? [];
    this.#handsHeading.replaceChildren(icon('hand'), t('hands.heading', { n: hands.length }));
    if (!hands.length) {
      this.#hands.replaceChildren(el('li', { class: 'hands-none' }, t('hands.none')));
      return;
    }
    this.#hands.replaceChildren(
      ...hands.map((id) =>
        el(
          'li',
          { 'data-hand-site': id },
          this.#siteButton(id, this.#name(id)),
          this.#button('give', t('action.giveFloor'), () =>
            this.#act(this.actions()?.giveFloor(id), t('action.done.floor', { name: this.#name(id) })),
          ),
        ),
      ),
    );
  }

  #name(id: string): string {
    return siteName(this.model.site(id), id);
  }

  #siteButton(id: string, text: string): HTMLElement {
    const b = el('button', { type: 'button', class: 'link-button' }, text);
    b.addEventListener('click', () => this.onSelect(id));
    return b;
  }

  #button(action: string, text: string, run: () => void): HTMLElement {
    const b = el('button', { type: 'button', class: 'small', 'data-floor-action': action, disabled: this.#busy }, text);
    b.addEventListener('click', run);
    return b;
  }

  async #act(request: Promise<Result<unknown>> | undefined, done: string): Promise<void> {
    if (!request) return;
    clearTimeout(this.#clear);
    this.#busy = true;
    this.#outcome = null;
    this.render();
    const r = await request;
    this.#busy = false;
    this.#outcome = r.ok ? { ok: true, text: done } : { ok: false, text: describeError(r.error) };
    this.render();
    // A success needs no attention for long; a refusal stays until the next action.
    if (r.ok) {
      this.#clear = setTimeout(() => {
        this.#outcome = null;
        this.render();
      }, MESSAGE_MS);
    }
  }
}
