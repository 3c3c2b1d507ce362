// The header's summary: the conference phase, how many bridges are in the conference, the
// hub's state, and the bridges counted by state.
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { siteStates } from './store.js';

export function Phase() {
  const phase = useBoard().store.conference.value?.phase;
  if (!phase) return <span class="phase" id="phase" hidden />;
  return (
    <span class="phase" id="phase" data-phase={phase} title={t('phase.title')}>
      {t(`phase.${phase}`)}
    </span>
  );
}

export function Counts() {
  const { store } = useBoard();
  const counts = store.bridgeCounts.value;
  const total = siteStates.reduce((n, s) => n + counts[s], 0);
  // "Online" in the headline means in the conference with media both ways, whatever the quality.
  const up = counts.online + counts.degraded;
  const hubState = store.hub ? store.live(store.hub.id)?.status.value.state : undefined;
  return (
    <div class="counts" id="counts">
      <strong class="bridges-up" data-up={up} data-total={total}>
        {t('summary.bridgesUp', { up, total })}
      </strong>
      {hubState ? (
        <span class="hub-state state-chip" data-badge={hubState}>
          {t('summary.hub', { state: t(`state.${hubState}`) })}
        </span>
      ) : null}
      {siteStates.map((s) => (
        <span class={counts[s] ? 'state-chip' : 'state-chip zero'} data-badge={s} data-count={counts[s]} key={s}>
          {`${t(`state.${s}`)} ${counts[s]}`}
        </span>
      ))}
    </div>
  );
}
