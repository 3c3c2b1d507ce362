// What the room hears: one playing <audio> per audio consumer, on the chosen speaker. The
// browser blocks sound until the page is clicked (after a reload, say): then a button asks
// for that click.
import type { SiteClient } from '../../client/site-client.js';
import { applySpeaker } from './devices.js';
import { type PageElements, show } from './page-dom.js';

export class AudioOut {
  readonly #audio = new Map<string, HTMLAudioElement>();
  #speakerId: string | undefined;
  #soundBlocked = false;

  constructor(
    readonly el: PageElements,
    readonly conference: SiteClient,
  ) {
    el.soundUnlock.addEventListener('click', () => {
      this.#soundBlocked = false;
      show(el.soundUnlock, false);
      for (const audio of this.#audio.values()) audio.play().catch(() => this.#blocked());
    });
  }

  /** One playing <audio> per audio consumer, on the chosen speaker. */
  render(speakerId: string | undefined): void {
    const audioTracks = new Map<string, MediaStreamTrack>();
    for (const r of this.conference.remote)
      if (r.offer.kind === 'audio') audioTracks.set(r.consumer.id, r.consumer.track);
    for (const [id, el] of this.#audio) {
      if (!audioTracks.has(id)) {
        el.srcObject = null;
        el.remove();
        this.#audio.delete(id);
      }
    }
    const speakerChanged = speakerId !== this.#speakerId;
    this.#speakerId = speakerId;
    for (const [id, track] of audioTracks) {
      let el = this.#audio.get(id);
      if (!el) {
        el = document.createElement('audio');
        el.autoplay = true;
        el.dataset.consumerId = id;
        el.srcObject = new MediaStream([track]);
        this.el.audioSinks.append(el);
        this.#audio.set(id, el);
        const audio = el;
        void applySpeaker(audio, speakerId).then(() => audio.play().catch(() => this.#blocked()));
      } else if (speakerChanged) {
        void applySpeaker(el, speakerId);
      }
    }
  }

  /** The browser blocks sound until the page is clicked (after a reload, say): ask for a click. */
  #blocked(): void {
    if (this.#soundBlocked) return;
    this.#soundBlocked = true;
    show(this.el.soundUnlock, true);
  }
}
