// What the panels over the side column share (the technicians' call list, the recordings):
// open or closed, and the list they read from the server with its failure kept for the panel
// to show. Each panel says how it reads its list.
import { signal } from '@preact/signals';
import { failureText } from './actions.js';

export abstract class SidePanel {
  readonly open = signal(false);
  readonly error = signal<string | null>(null);

  show(): void {
    this.open.value = true;
  }

  hide(): void {
    this.open.value = false;
  }

  /** Read the panel's list again; a failure stays in `error` until the next read works. */
  async load(): Promise<void> {
    try {
      await this.read();
      this.error.value = null;
    } catch (err) {
      this.error.value = failureText(err);
    }
  }

  protected abstract read(): Promise<void>;
}
