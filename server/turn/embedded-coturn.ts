// coturn from Debian, run by the service itself when TURN_EMBEDDED is set: a relay for bridges
// whose firewall lets nothing through but TLS to one port (TURN over TLS on TURN_TLS_PORT; 443
// in production) or blocks the SFU's own ports. It authenticates with the TURN REST scheme
// (use-auth-secret): the service hands each site a short-lived credential, nothing is stored.
// It uses the service's TLS files, or a self-signed certificate made once in DATA_DIR (browsers
// do not check a TURN server's certificate the way they check a page's).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../config/schema.js';
import type { Logger } from '../../kernel/logger.js';
import { makeSelfSigned } from '../tls/self-signed.js';

export interface EmbeddedTurnOptions {
  readonly dataDir: string;
  /** Where it listens (MEDIA_LISTEN_IP) and the address it announces (MEDIA_ANNOUNCED_ADDRESS). */
  readonly listenIp: string;
  readonly announcedAddress: string;
  readonly port: number;
  readonly tlsPort: number;
  readonly secret: string;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly logger: Logger;
}

export interface EmbeddedTurn {
  readonly urls: string[];
  stop(): Promise<void>;
}

async function selfSigned(dir: string, host: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, 'turn-cert.pem');
  const keyFile = join(dir, 'turn-key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) await makeSelfSigned({ host, certFile, keyFile, days: 3650 });
  return { certFile, keyFile };
}

/** Whether something accepts TCP on host:port now. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

export async function startEmbeddedTurn(o: EmbeddedTurnOptions): Promise<EmbeddedTurn> {
  const log = o.logger.child({ component: 'turn' });
  const dir = resolve(o.dataDir, 'turn');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pidFile = join(dir, 'turnserver.pid');
  // A coturn left by a service that was killed (-9) holds the ports: stop it first.
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGTERM');
        log.info({ pid }, 'stopped the coturn left by an earlier start');
      } catch {
        // not running any more: nothing to stop
      }
    }
  }
  const tls = o.tls ?? (await selfSigned(dir, o.announcedAddress));
  const listenIp = o.listenIp === '0.0.0.0' ? o.announcedAddress : o.listenIp;
  const loopback = o.announcedAddress.startsWith('127.');
  const args = [
    '-n',
    '--no-cli',
    '--fingerprint',
    '--use-auth-secret',
    `--static-auth-secret=${o.secret}`,
    '--realm=giaoban',
    `--listening-ip=${listenIp}`,
    `--relay-ip=${listenIp}`,
    ...(o.listenIp !== listenIp ? [`--external-ip=${o.announcedAddress}`] : []),
    `--listening-port=${o.port}`,
    `--tls-listening-port=${o.tlsPort}`,
    `--cert=${tls.certFile}`,
    `--pkey=${tls.keyFile}`,
    '--no-tlsv1',
    '--no-tlsv1_1',
    `--pidfile=${pidFile}`,
    '--log-file=stdout',
    '--simple-log',
    '--no-multicast-peers',
    // The SFU it relays to listens on this host: on a loopback address in a test set-up.
    ...(loopback ? ['--allow-loopback-peers'] : []),
  ];
  let child: ChildProcess;
  try {
    child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new ConfigError([`TURN_EMBEDDED: cannot start coturn (${(err as Error).message})`]);
  }
  const spawned = await new Promise<Error | undefined>((done) => {
    child.once('spawn', () => done(undefined));
    child.once('error', (err) => done(err));
  });
  if (spawned) {
    throw new ConfigError([
      `TURN_EMBEDDED: coturn (turnserver) did not start (${spawned.message}): run npm start (it installs coturn) or apt-get install coturn`,
    ]);
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  // coturn's own log, for whoever debugs a relay (LOG_LEVEL=debug).
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    for (const line of d.split('\n')) if (line.trim()) log.debug({ coturn: line.trim() }, 'coturn');
  });
  for (let i = 0; i < 100 && !(await listening(listenIp, o.tlsPort)); i++) {
    if (child.exitCode !== null) {
      throw new ConfigError([`TURN_EMBEDDED: coturn exited with ${child.exitCode}: ${stderr.trim().slice(-500)}`]);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info({ udp: o.port, tls: o.tlsPort, address: o.announcedAddress, pid: child.pid }, 'coturn started');
  const host = o.announcedAddress;
  return {
    urls: [`turn:${host}:${o.port}?transport=udp`, `turns:${host}:${o.tlsPort}?transport=tcp`],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
