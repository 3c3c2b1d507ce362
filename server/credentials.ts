// Site join credentials. A token is `<siteId>.<mac>` where mac = HMAC(server secret,
// siteId:version). Only the secret and the per-site version are stored, never a token, so a
// re-issue (version + 1) makes the old link fail at once, on every instance.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Roster, Site } from '../config/roster.js';
import { AppError } from './errors.js';
import type { Store } from './store/store.js';

const SECRET_NAME = 'server-secret';

export class SiteCredentials {
  readonly #secret: Buffer;

  private constructor(
    secret: string,
    readonly store: Store,
    readonly roster: Roster,
    readonly publicUrl: () => string,
  ) {
    this.#secret = Buffer.from(secret, 'hex');
  }

  static async create(store: Store, roster: Roster, publicUrl: () => string): Promise<SiteCredentials> {
    const secret = await store.setSecretIfAbsent(SECRET_NAME, randomBytes(32).toString('hex'));
    return new SiteCredentials(secret, store, roster, publicUrl);
  }

  #mac(siteId: string, version: number): string {
    return createHmac('sha256', this.#secret).update(`${siteId}:${version}`).digest('base64url').slice(0, 32);
  }

  #site(siteId: string): Site {
    const site = this.roster.get(siteId);
    if (!site) throw new AppError('not_found', `no site with id "${siteId}" in the roster`);
    return site;
  }

  async tokenFor(siteId: string): Promise<string> {
    this.#site(siteId);
    return `${siteId}.${this.#mac(siteId, await this.store.getCredentialVersion(siteId))}`;
  }

  /** The link printed for a bridge room. The token rides in the fragment: never sent in requests. */
  async joinLink(siteId: string): Promise<string> {
    const token = await this.tokenFor(siteId);
    return `${this.publicUrl()}/join/${encodeURIComponent(siteId)}#token=${token}`;
  }

  async reissue(siteId: string): Promise<string> {
    this.#site(siteId);
    await this.store.bumpCredentialVersion(siteId);
    return this.joinLink(siteId);
  }

  /** The site a token belongs to, or `unauthorized`. */
  async verify(token: unknown): Promise<Site> {
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
    const expected = Buffer.from(this.#mac(siteId, await this.store.getCredentialVersion(siteId)));
    const given = Buffer.from(token.slice(dot + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    return site;
  }
}
