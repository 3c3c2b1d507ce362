// Token buckets: how much a connection or a client address may do. A bucket holds up to
// `burst` tokens and regains `perSecond` of them every second; an action takes one. Used for
// the events a socket may send and for failed authentications per address.

export interface Rate {
  readonly burst: number;
  readonly perSecond: number;
}

export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    readonly rate: Rate,
    readonly now: () => number = Date.now,
  ) {
    this.#tokens = rate.burst;
    this.#at = now();
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.rate.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate.perSecond);
    this.#at = now;
  }

  /** Take a token if there is one. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether a token is left, without taking it. */
  get empty(): boolean {
    this.#refill();
    return this.#tokens < 1;
  }

  /** Full again: nothing taken for long enough that the bucket can be forgotten. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.rate.burst;
  }
}

/**
 * One bucket per key (a client address), for failures only: a client that keeps failing is
 * refused before its attempt is even looked at, until its bucket refills. Bounded in memory:
 * full buckets are forgotten, and past `maxKeys` the oldest are dropped.
 */
export class FailureThrottle {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly rate: Rate,
    readonly maxKeys = 10_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Whether this key has used up its failures. */
  blocked(key: string): boolean {
    return this.#buckets.get(key)?.empty ?? false;
  }

  /** Count a failure for this key. */
  failed(key: string): void {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) this.#prune();
      bucket = new TokenBucket(this.rate, this.now);
      this.#buckets.set(key, bucket);
    }
    bucket.take();
  }

  #prune(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(key);
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < this.maxKeys) break;
      this.#buckets.delete(key);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}
