// The operator's bearer token. Either configured (OPERATOR_TOKEN) or generated at the first
// start, printed once, and kept in the store as a hash only.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../kernel/errors.js';
import type { Logger } from '../kernel/logger.js';
import type { Store } from '../store/store.js';

const HASH_NAME = 'operator-token-sha256';
const sha256 = (s: string) => createHash('sha256').update(s).digest();

export class OperatorAuth {
  private constructor(readonly hash: Buffer) {}

  static async create(
    store: Store,
    configured: string | undefined,
    logger: Logger,
    announce: (token: string) => void = (t) => process.stderr.write(banner(t)),
  ): Promise<OperatorAuth> {
    if (configured) return new OperatorAuth(sha256(configured));
    const fresh = randomBytes(24).toString('base64url');
    const freshHash = sha256(fresh).toString('hex');
    const inForce = await store.setSecretIfAbsent(HASH_NAME, freshHash);
    if (inForce === freshHash) {
      announce(fresh);
      logger.warn('generated an operator token; it was printed once to stderr (set OPERATOR_TOKEN to choose one)');
    } else {
      logger.info('using the operator token generated at an earlier start (set OPERATOR_TOKEN to choose one)');
    }
    return new OperatorAuth(Buffer.from(inForce, 'hex'));
  }

  isValid(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return false;
    return timingSafeEqual(sha256(token), this.hash);
  }

  /** For an `Authorization: Bearer …` header value. */
  check(header: string | undefined): void {
    if (!header)
      throw new AppError('unauthorized', 'operator token required: send "Authorization: Bearer <OPERATOR_TOKEN>"');
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !this.isValid(m[1])) throw new AppError('unauthorized', 'operator token is not valid');
  }
}

function banner(token: string): string {
  return [
    '',
    '================================================================',
    ' Operator token (shown only this once; set OPERATOR_TOKEN to choose your own):',
    `   ${token}`,
    '================================================================',
    '',
  ].join('\n');
}
