// A bare mediasoup SFU (one worker, one WebRtcServer on 127.0.0.1 with ports the system picks,
// one router with Opus and VP8) and a direct in-process driver that joins bots to it without
// any signaling: for the bots' tests and bench/bots/cost.ts, which measure the bots themselves,
// not the service. The service's own media layer stays in media/.

import type { types as ms } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { Device, type types } from 'mediasoup-client';
import { BotMedia, type BotMediaOptions, installWeriftEnv } from './index.js';

const mediaCodecs: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 300 } },
];

/** A joined bot with its server-side transports and producers. */
export interface DirectBot {
  readonly media: BotMedia;
  readonly device: Device;
  readonly sendTransport: ms.WebRtcTransport | undefined;
  readonly recvTransport: ms.WebRtcTransport | undefined;
  /** Server producers by the source the bot said ('mic' | 'cam'). */
  readonly producers: Map<string, ms.Producer>;
}

export type DirectBotOptions = Omit<BotMediaOptions, 'device' | 'sendTransport' | 'recvTransport'> & {
  /** Default true. */
  send?: boolean;
  /** Default true. */
  receive?: boolean;
  /** Called with each server producer as soon as it exists, before its first RTP. */
  onProducer?: (source: string, producer: ms.Producer) => void;
};

export class BareSfu {
  readonly worker: ms.Worker;
  readonly server: ms.WebRtcServer;
  readonly router: ms.Router;

  private constructor(worker: ms.Worker, server: ms.WebRtcServer, router: ms.Router) {
    this.worker = worker;
    this.server = server;
    this.router = router;
  }

  static async start(): Promise<BareSfu> {
    const worker = await mediasoup.createWorker({ logLevel: 'error' });
    try {
      const server = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: '127.0.0.1', port: 0 },
          { protocol: 'tcp', ip: '127.0.0.1', port: 0 },
        ],
      });
      const router = await worker.createRouter({ mediaCodecs });
      return new BareSfu(worker, server, router);
    } catch (err) {
      worker.close();
      throw err;
    }
  }

  close(): void {
    this.worker.close();
  }

  async #transport(): Promise<ms.WebRtcTransport> {
    return this.router.createWebRtcTransport({ webRtcServer: this.server, enableUdp: true, enableTcp: true });
  }

  /** Loads a werift Device and joins a bot: transports, producers, no consumers. */
  async join(opts: DirectBotOptions = {}): Promise<DirectBot> {
    const device = new Device({ handlerFactory: installWeriftEnv() });
    await device.load({ routerRtpCapabilities: wire<types.RtpCapabilities>(this.router.rtpCapabilities) });
    const producers = new Map<string, ms.Producer>();
    const sendTransport = opts.send === false ? undefined : await this.#transport();
    const recvTransport = opts.receive === false ? undefined : await this.#transport();
    const clientSend = sendTransport && device.createSendTransport(clientOptions(sendTransport));
    const clientRecv = recvTransport && device.createRecvTransport(clientOptions(recvTransport));
    if (clientSend && sendTransport) {
      connect(clientSend, sendTransport);
      clientSend.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        sendTransport.produce({ kind, rtpParameters, appData }).then((p) => {
          producers.set(String(appData.source), p);
          opts.onProducer?.(String(appData.source), p);
          callback({ id: p.id });
        }, errback);
      });
    }
    if (clientRecv && recvTransport) connect(clientRecv, recvTransport);
    try {
      const { send, receive, onProducer, ...mediaOptions } = opts;
      const media = await BotMedia.start({
        ...mediaOptions,
        device,
        sendTransport: clientSend,
        recvTransport: clientRecv,
        sources: send === false ? [] : opts.sources,
      });
      return { media, device, sendTransport, recvTransport, producers };
    } catch (err) {
      sendTransport?.close();
      recvTransport?.close();
      clientSend?.close();
      clientRecv?.close();
      throw err;
    }
  }

  /**
   * What the service does for a consume offer: a paused server consumer, the bot takes it, then
   * the server resumes it.
   */
  async consume(bot: DirectBot, producer: ms.Producer): Promise<{ server: ms.Consumer; client: types.Consumer }> {
    if (!bot.recvTransport) throw new Error('the bot has no receive transport');
    const server = await bot.recvTransport.consume({
      producerId: producer.id,
      rtpCapabilities: bot.device.rtpCapabilities,
      paused: true,
    });
    const client = await bot.media.consume({
      id: server.id,
      producerId: producer.id,
      kind: server.kind,
      rtpParameters: wire<types.RtpParameters>(server.rtpParameters),
    });
    await server.resume();
    return { server, client };
  }

  /** Closes a bot's media and its server transports. */
  async leave(bot: DirectBot): Promise<void> {
    await bot.media.close();
    bot.sendTransport?.close();
    bot.recvTransport?.close();
  }
}

// mediasoup and mediasoup-client type the same JSON (what the signaling carries) slightly
// differently; the bots get it as a client would.
function wire<T>(value: unknown): T {
  return value as T;
}

function clientOptions(t: ms.WebRtcTransport): types.TransportOptions {
  return {
    id: t.id,
    iceParameters: t.iceParameters,
    iceCandidates: wire<types.IceCandidate[]>(t.iceCandidates),
    dtlsParameters: wire<types.DtlsParameters>(t.dtlsParameters),
  };
}

function connect(client: types.Transport, server: ms.WebRtcTransport): void {
  client.on('connect', ({ dtlsParameters }, callback, errback) => {
    server.connect({ dtlsParameters }).then(callback, errback);
  });
}
