// TURN credentials for one site, by the TURN REST scheme (the one coturn's use-auth-secret and
// most TURN services accept): the user name is "<expiry>:<site>", the password the base64
// HMAC-SHA1 of it with the secret the TURN server shares. Nothing is stored: a credential
// proves itself until it expires.
import { createHmac } from 'node:crypto';
import type { IceServer } from '../../contract/index.js';

export interface TurnConfig {
  readonly urls: readonly string[];
  readonly secret: string;
  readonly ttlS: number;
}

export function turnCredential(secret: string, siteId: string, ttlS: number, nowMs = Date.now()) {
  const username = `${Math.floor(nowMs / 1000) + ttlS}:${siteId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** The ICE servers a site's page is given when it joins (none without TURN). */
export function iceServersFor(turn: TurnConfig | undefined, siteId: string): IceServer[] {
  if (!turn) return [];
  return [{ urls: [...turn.urls], ...turnCredential(turn.secret, siteId, turn.ttlS) }];
}
