// The floor and the queue of raised hands, in the order they were raised (conference:changed
// .hands): the operator gives the floor from here in one click, or takes it back. The hands are
// keyed by site, so a push that adds one does not replace the button being pressed on another.
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { describeError } from './actions.js';
import type { Result } from './connection.js';
import { useBoard } from './context.js';
import { t } from './i18n.js';
import { Icon } from './icons.js';
import { siteName } from './roster.js';

interface Outcome {
  readonly ok: boolean;
  readonly text: string;
}

/** How long "the floor was given" stays on screen. */
const MESSAGE_MS = 6000;

export function FloorPanel() {
  const board = useBoard();
  const { store, actions } = board;
  const busy = useSignal(false);
  const outcome = useSignal<Outcome | null>(null);
  const clear = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(clear.current), []);

  const act = async (request: Promise<Result<unknown>>, done: string) => {
    clearTimeout(clear.current);
    busy.value = true;
    outcome.value = null;
    const r = await request;
    busy.value = false;
    outcome.value = r.ok ? { ok: true, text: done } : { ok: false, text: describeError(r.error) };
    // A success needs no attention for long; a refusal stays until the next action.
    if (r.ok) {
      clear.current = setTimeout(() => {
        outcome.value = null;
      }, MESSAGE_MS);
    }
  };
  const name = (id: string) => siteName(store.site(id), id);
  const siteButton = (id: string, text: string) => (
    <button type="button" class="link-button" onClick={() => board.select(id)}>
      {text}
    </button>
  );

  const view = store.conference.value;
  const holder = view?.floor ?? null;
  const hands = view?.hands ?? [];
  const o = outcome.value;
  return (
    <div class="floor" id="floor">
      <h2 class="panel-heading">{t('floor.heading')}</h2>
      <div class={holder ? 'floor-holder' : 'floor-holder none'} data-floor-site={holder ?? undefined}>
        {holder ? (
          <>
            <Icon name="floor" />
            {siteButton(holder, name(holder))}
            <button
              type="button"
              class="small"
              data-floor-action="take"
              disabled={busy.value}
              onClick={() => void act(actions.takeFloor(), t('action.done.takeFloor'))}
            >
              {t('action.takeFloor')}
            </button>
          </>
        ) : (
          t('floor.nobody')
        )}
      </div>
      <p class="floor-message" role="status" hidden={!o} data-ok={o ? String(o.ok) : undefined}>
        {o?.text}
      </p>
      <h2 class="panel-heading">
        <Icon name="hand" />
        {t('hands.heading', { n: hands.length })}
      </h2>
      <ol class="hands">
        {hands.length ? (
          hands.map((id) => (
            <li data-hand-site={id} key={id}>
              {siteButton(id, name(id))}
              <button
                type="button"
                class="small"
                data-floor-action="give"
                disabled={busy.value}
                onClick={() => void act(actions.giveFloor(id), t('action.done.floor', { name: name(id) }))}
              >
                {t('action.giveFloor')}
              </button>
            </li>
          ))
        ) : (
          <li class="hands-none">{t('hands.none')}</li>
        )}
      </ol>
    </div>
  );
}
