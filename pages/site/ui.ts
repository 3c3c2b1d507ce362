// Rendering: the page's elements brought in line with the conference and the pre-join check.
// Every render is idempotent and cheap (a video's source changes only when its track does),
// so it can run after any change. Rendering is not tied to animation frames: a page in a
// background tab must still start playing a new speaker's audio. Each part of the screen has
// a file of its own; this puts them in order.
import type { SiteClient } from '../../client/site-client.js';
import { AudioOut } from './audio-out.js';
import { renderControls } from './controls.js';
import { renderError, renderOverlay } from './failure.js';
import { HubGrid } from './hub-grid.js';
import { renderNotices } from './notices.js';
import { attach, pageElements } from './page-dom.js';
import { type PrejoinModel, PrejoinView } from './prejoin-view.js';
import { renderStage } from './stage.js';
import { renderTopbar } from './topbar.js';

export type { PrejoinModel } from './prejoin-view.js';

export class Ui {
  readonly el = pageElements();
  readonly #prejoin: PrejoinView;
  readonly #grid: HubGrid;
  readonly #audio: AudioOut;

  constructor(
    readonly conference: SiteClient,
    onFocus: (siteId: string | null) => void,
  ) {
    this.#prejoin = new PrejoinView(this.el, conference);
    this.#grid = new HubGrid(this.el, conference, onFocus);
    this.#audio = new AudioOut(this.el, conference);
  }

  render(prejoin: PrejoinModel): void {
    const { el, conference: c } = this;
    document.body.dataset.state = c.state;
    document.body.dataset.role = c.role ?? '';
    renderTopbar(el, c);
    if (c.state === 'prejoin' || c.state === 'joining' || c.state === 'error') this.#prejoin.render(prejoin);
    else attach(el.previewVideo, undefined);
    renderStage(el, c, this.#grid);
    renderNotices(el, c);
    renderControls(el, c);
    this.#audio.render(prejoin.choice.speakerId);
    renderOverlay(el, c);
    renderError(el, c);
  }
}
