// Site join credentials. A token is `<siteId>.<mac>` where mac = HMAC(server secret,
// siteId:version). Only the secret and the per-site version are stored, never a token, so a
// re-issue (version + 1) makes the old link fail at once, on every instance: the new version
// is published to every instance, which closes the old link's connections. Versions are also
// kept here, so a site that drops while the store is unreachable can still rejoin.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Roster, Site } from '../config/roster.js';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Store } from '../store/store.js';

const SECRET_NAME = 'server-secret';
const CHANNEL = 'credentials';
/** How often the cached versions are re-read, in case a message was missed during an outage. */
const REFRESH_MS = 30_000;

interface CredentialEvents {
  /** A site's link was re-issued (here or on another instance): `version` is now in force. */
  reissued: [siteId: string, version: number];
}

export class SiteCredentials extends EventEmitter<CredentialEvents> {
  readonly #secret: Buffer;
  readonly #versions: Map<string, number>;
  readonly #instance = randomUUID();
  readonly #log: Logger;
  #unsubscribe: (() => Promise<void>) | undefined;
  #refresh: NodeJS.Timeout | undefined;

  private constructor(
    secret: string,
    versions: Map<string, number>,
    readonly store: Store,
    readonly roster: Roster,
    readonly publicUrl: () => string,
    logger: Logger,
  ) {
    super();
    this.#secret = Buffer.from(secret, 'hex');
    this.#versions = versions;
    this.#log = logger.child({ component: 'credentials' });
  }

  static async create(store: Store, roster: Roster, publicUrl: () => string, logger: Logger): Promise<SiteCredentials> {
    const secret = await store.setSecretIfAbsent(SECRET_NAME, randomBytes(32).toString('hex'));
    const creds = new SiteCredentials(secret, await store.getCredentialVersions(), store, roster, publicUrl, logger);
    creds.#unsubscribe = await store.subscribe(CHANNEL, (message) => creds.#onMessage(message));
    creds.#refresh = setInterval(() => void creds.#reload(), REFRESH_MS);
    creds.#refresh.unref();
    return creds;
  }

  #onMessage(message: string): void {
    let parsed: { siteId?: unknown; version?: unknown; from?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      this.#log.warn({ message: message.slice(0, 200) }, 'ignored a malformed credentials message');
      return;
    }
    const { siteId, version, from } = parsed;
    if (from === this.#instance || typeof siteId !== 'string' || typeof version !== 'number') return;
    this.#learn(siteId, version);
  }

  /** A version learned from the store or another instance; newer than ours means a re-issue. */
  #learn(siteId: string, version: number): void {
    const known = this.#versions.get(siteId) ?? 1;
    if (version <= known) return;
    this.#versions.set(siteId, version);
    this.emit('reissued', siteId, version);
  }

  async #reload(): Promise<void> {
    try {
      for (const [siteId, version] of await this.store.getCredentialVersions()) this.#learn(siteId, version);
    } catch (err) {
      this.#log.debug({ err: (err as Error).message }, 'could not refresh link versions; keeping the cached ones');
    }
  }

  #mac(siteId: string, version: number): string {
    return createHmac('sha256', this.#secret).update(`${siteId}:${version}`).digest('base64url').slice(0, 32);
  }

  #site(siteId: string): Site {
    const site = this.roster.get(siteId);
    if (!site) throw new AppError('not_found', `no site with id "${siteId}" in the roster`);
    return site;
  }

  /** The version in force as this process knows it. */
  currentVersion(siteId: string): number | undefined {
    return this.roster.get(siteId) ? (this.#versions.get(siteId) ?? 1) : undefined;
  }

  /** The version in force: from the store, or the cached one while the store is unreachable. */
  async #version(siteId: string): Promise<number> {
    try {
      const version = await this.store.getCredentialVersion(siteId);
      this.#learn(siteId, version);
      return version;
    } catch (err) {
      if (err instanceof AppError && err.code === 'store_unavailable') return this.#versions.get(siteId) ?? 1;
      throw err;
    }
  }

  async tokenFor(siteId: string): Promise<string> {
    this.#site(siteId);
    return `${siteId}.${this.#mac(siteId, await this.#version(siteId))}`;
  }

  /** The link printed for a bridge room. The token rides in the fragment: never sent in requests. */
  async joinLink(siteId: string): Promise<string> {
    const token = await this.tokenFor(siteId);
    return `${this.publicUrl()}/join/${encodeURIComponent(siteId)}#token=${token}`;
  }

  async reissue(siteId: string): Promise<string> {
    this.#site(siteId);
    const version = await this.store.bumpCredentialVersion(siteId);
    this.#learn(siteId, version);
    await this.store
      .publish(CHANNEL, JSON.stringify({ siteId, version, from: this.#instance }))
      .catch((err: Error) => this.#log.warn({ err: err.message, site: siteId }, 'could not tell other instances'));
    return this.joinLink(siteId);
  }

  /** The site a token belongs to and the link version it was made for, or `unauthorized`. */
  async verify(token: unknown): Promise<{ site: Site; version: number }> {
    const invalid = new AppError(
      'unauthorized',
      'The join link is invalid or has been re-issued; ask the operator for the current link.',
    );
    if (typeof token !== 'string' || token.length > 200) throw invalid;
    const dot = token.lastIndexOf('.');
    if (dot <= 0) throw invalid;
    const siteId = token.slice(0, dot);
    const site = this.roster.get(siteId);
    if (!site) throw invalid;
    const version = await this.#version(siteId);
    const expected = Buffer.from(this.#mac(siteId, version));
    const given = Buffer.from(token.slice(dot + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    return { site, version };
  }

  async close(): Promise<void> {
    clearInterval(this.#refresh);
    await this.#unsubscribe?.();
    this.removeAllListeners();
  }
}
