// A small typed event emitter that runs in the page and in Node alike (the browser has no
// node:events). A listener that throws is reported to `onListenerError`, never to the emitter.
type Listener<A extends unknown[]> = (...args: A) => void;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  #listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const set = this.#listeners[event] ?? new Set<Listener<Events[K]>>();
    this.#listeners[event] = set;
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners[event]?.delete(listener);
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    for (const listener of [...(this.#listeners[event] ?? [])]) {
      try {
        listener(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  protected onListenerError(err: unknown, event: string): void {
    console.error(`a listener of "${event}" failed`, err);
  }

  removeAllListeners(): void {
    this.#listeners = {};
  }
}
