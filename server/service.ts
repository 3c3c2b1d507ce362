// Composes the service from its parts, in dependency order, and closes them in reverse.
// main.ts runs it for real; tests start it in-process with their own config.
import type { FastifyInstance } from 'fastify';
import { loadRoster, type Roster } from '../config/roster.js';
import type { Config } from '../config/schema.js';
import { MediaPlane } from '../media/index.js';
import { Signaling } from '../signaling/index.js';
import { buildApp } from './app.js';
import { Briefing } from './briefing.js';
import { SiteCredentials } from './credentials.js';
import type { Logger } from './logger.js';
import { OperatorAuth } from './operator.js';
import { createStore } from './store/index.js';
import type { Store } from './store/store.js';

export interface Service {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly roster: Roster;
  readonly credentials: SiteCredentials;
  readonly media: MediaPlane;
  readonly briefing: Briefing;
  readonly signaling: Signaling;
  /** The address the HTTP server listens on, after listen(). */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  /** Where a generated operator token is shown; stderr by default. */
  readonly announceOperatorToken?: (token: string) => void;
}

export async function startService({ config, logger, announceOperatorToken }: StartOptions): Promise<Service> {
  const roster = loadRoster(config.ROSTER_FILE);
  const store = await createStore(config, logger);
  const closers: (() => Promise<void> | void)[] = [() => store.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
    closers.length = 0;
  };
  try {
    const operator = await OperatorAuth.create(store, config.OPERATOR_TOKEN, logger, announceOperatorToken);
    let publicUrl = config.PUBLIC_URL;
    const credentials = await SiteCredentials.create(store, roster, () => publicUrl);
    const media = await MediaPlane.create(config, logger);
    closers.push(() => media.close());
    const briefing = new Briefing({ conference: media.conference, roster, store, logger });
    const app = await buildApp({ config, logger, store, roster, credentials, operator, media, briefing });
    closers.push(() => app.close());
    const signaling = new Signaling({
      httpServer: app.server,
      credentials,
      operator,
      briefing,
      conference: media.conference,
      sites: roster.sites,
      heartbeatIntervalMs: config.HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: config.HEARTBEAT_TIMEOUT_MS,
      logger,
    });
    closers.push(() => signaling.close());
    // Sites hear why before their sockets close.
    closers.push(() => briefing.close());
    await app.listen({ host: config.HOST, port: config.PORT });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
    const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
    if (!config.publicUrlGiven) publicUrl = url;
    logger.info(
      { url, publicUrl, store: store.kind, sites: roster.sites.length, workers: media.pids },
      'giao-ban ready',
    );
    let closing: Promise<void> | undefined;
    return {
      app,
      store,
      roster,
      credentials,
      media,
      briefing,
      signaling,
      url,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
