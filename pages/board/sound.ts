// The alert beep: two short tones made with WebAudio (no audio file), unless the operator
// turned it off. Browsers start audio only after a gesture on the page, so a wall screen
// nobody clicked yet cannot beep: `blocked` says so, and the header's toggle shows it.
import { signal } from '@preact/signals';

const SOUND_KEY = 'giaoBan.board.sound';

export class AlertSound {
  readonly on = signal(readSound());
  /** The beep is on but the browser will not play it until someone clicks the page. */
  readonly blocked = signal(false);
  #audio: AudioContext | undefined;
  /** A beep could not play: nobody has clicked this page yet. */
  #waitingForGesture = false;

  toggle(): void {
    this.on.value = !this.on.peek();
    try {
      localStorage.setItem(SOUND_KEY, this.on.peek() ? 'on' : 'off');
    } catch {
      // storage disabled: the choice lasts for this page only
    }
    this.#check();
    if (this.on.peek()) this.beep();
  }

  /** Any click or key on the page: audio may start from now on. */
  unlock(): void {
    if (!this.on.peek()) return;
    this.#waitingForGesture = false;
    void this.#context()
      ?.resume()
      .then(() => this.#check());
  }

  /** Two short tones, loud enough to hear across a control room and short enough not to annoy. */
  beep(): void {
    if (!this.on.peek()) return;
    // Without a gesture the browser would refuse (and complain in the console): say so instead.
    if (!this.#audio && navigator.userActivation && !navigator.userActivation.hasBeenActive) {
      this.#waitingForGesture = true;
      this.#check();
      return;
    }
    const ctx = this.#context();
    if (!ctx) return;
    void ctx
      .resume()
      .catch(() => undefined)
      .then(() => this.#check());
    // Still suspended a moment later: say so on the toggle, so the operator clicks once.
    setTimeout(() => this.#check(), 300);
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

  #check(): void {
    this.blocked.value = this.on.peek() && (this.#waitingForGesture || this.#audio?.state === 'suspended');
  }

  #context(): AudioContext | undefined {
    if (!this.#audio && typeof AudioContext !== 'undefined') this.#audio = new AudioContext();
    return this.#audio;
  }
}

function readSound(): boolean {
  try {
    return localStorage.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}
