// The header's summary: the conference phase, how many bridges are in the conference, the
// hub's state, and the bridges counted by state.
import { el, fill } from './dom.js';
import { t } from './i18n.js';
import { type BoardModel, siteStates } from './model.js';

export class Summary {
  constructor(
    readonly phase: HTMLElement,
    readonly counts: HTMLElement,
    readonly model: BoardModel,
  ) {}

  render(): void {
    const phase = this.model.conference?.phase;
    this.phase.hidden = !phase;
    if (phase) {
      this.phase.dataset.phase = phase;
      this.phase.textContent = t(`phase.${phase}`);
      this.phase.title = t('phase.title');
    }
    const counts = this.model.bridgeCounts();
    const total = siteStates.reduce((n, s) => n + counts[s], 0);
    // "Online" in the headline means in the conference with media both ways, whatever the quality.
    const up = counts.online + counts.degraded;
    const hub = this.model.hub;
    const hubState = hub ? this.model.status(hub.id)?.state : undefined;
    fill(
      this.counts,
      el('strong', { class: 'bridges-up', 'data-up': up, 'data-total': total }, t('summary.bridgesUp', { up, total })),
      hubState
        ? el(
            'span',
            { class: 'hub-state state-chip', 'data-badge': hubState },
            t('summary.hub', { state: t(`state.${hubState}`) }),
          )
        : null,
      ...siteStates.map((s) =>
        el(
          'span',
          { class: `state-chip${counts[s] ? '' : ' zero'}`, 'data-badge': s, 'data-count': counts[s] },
          `${t(`state.${s}`)} ${counts[s]}`,
        ),
      ),
    );
  }
}
