// A self-signed certificate made with openssl, for a LAN test (npm run cert) and for the
// embedded TURN server when no certificate is given. Browsers match the host in
// subjectAltName only (never the CN), so it is always there, as an IP or a DNS name.
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedOptions {
  readonly host: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly days: number;
  /** A second line in the subject, e.g. "Giao Ban (self-signed)". */
  readonly organisation?: string;
}

export async function makeSelfSigned(o: SelfSignedOptions): Promise<void> {
  const subject = `/CN=${o.host}${o.organisation ? `/O=${o.organisation}` : ''}`;
  const san = `${isIP(o.host) ? 'IP' : 'DNS'}:${o.host}`;
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      String(o.days),
      '-subj',
      subject,
      '-addext',
      `subjectAltName=${san}`,
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-keyout',
      o.keyFile,
      '-out',
      o.certFile,
    ]);
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl could not make a certificate for ${o.host}: ${e.stderr?.trim() || e.message}`);
  }
}
