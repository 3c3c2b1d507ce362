// Start the real service in-process with a test config: a real mediasoup worker, any free
// ports, the in-memory store unless a test asks for Redis.
import { loadConfig } from '../../config/schema.js';
import { createLogger } from '../../kernel/logger.js';
import { type Service, startService } from '../../server/service.js';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';

export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIA_PORT: '0',
    MEDIA_WORKERS: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    STORE: env.REDIS_URL ? 'redis' : 'memory',
    OPERATOR_TOKEN,
    // A live session's recording (ffmpeg) only where a test asks for it.
    RECORDING_AUTO: 'false',
    ...env,
  });
}

export async function startTestService(env: Record<string, string> = {}): Promise<Service> {
  const config = testConfig(env);
  return startService({ config, logger: createLogger(config.LOG_LEVEL) });
}

export const operatorHeaders = { authorization: `Bearer ${OPERATOR_TOKEN}` };
