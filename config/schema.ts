// The service's configuration: one strict schema, read once from the environment and an
// optional JSON file, then frozen. A bad value stops start-up with the setting's name.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// Env values arrive as strings, file values as JSON: accept both, validate as text.
const asText = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);

const int = (min: number, max: number, what: string) =>
  z.preprocess(
    asText,
    z
      .string({ error: `expected ${what} (an integer ${min}-${max})` })
      .regex(/^\d+$/, `expected ${what} (an integer ${min}-${max})`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `expected ${what} (an integer ${min}-${max})`),
  );

const bool = z.preprocess(
  asText,
  z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }).transform((v) => v === 'true' || v === '1'),
);

const readableFile = (what: string) =>
  z
    .string()
    .min(1, `expected a path to ${what}`)
    .refine((p) => existsSync(p), {
      error: (i) => `expected a path to ${what}, but "${String(i.input)}" does not exist`,
    });

const httpUrl = z
  .string()
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search && !u.hash;
      } catch {
        return false; // not a URL at all: reported by the message below
      }
    },
    { error: 'expected an http(s) origin such as https://giaoban.example.vn (no path)' },
  )
  .transform((s) => s.replace(/\/$/, ''));

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false; // RangeError: unknown zone, reported by the message below
    }
  },
  { error: 'expected an IANA time zone such as Asia/Ho_Chi_Minh' },
);

const ip = (what: string) => z.string().refine((s) => isIP(s) !== 0, `expected ${what} (an IPv4 or IPv6 address)`);

const protocols = z.preprocess(
  asText,
  z
    .string()
    .transform((s) => s.split(',').map((p) => p.trim().toLowerCase()))
    .pipe(z.array(z.enum(['udp', 'tcp'], { error: 'expected "udp,tcp", "udp" or "tcp"' })).min(1))
    .transform((list) => [...new Set(list)]),
);

// ---- webhooks and technician alerts (server/webhooks/, server/alerts/) ----
const commaList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

const urlWith = (protocols: readonly string[], what: string) =>
  z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false; // not a URL at all: reported by the message below
      }
    },
    { error: `expected ${what}` },
  );

const webhookUrls = z.preprocess(
  asText,
  z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(urlWith(['http:', 'https:'], 'http(s) URLs, comma-separated, e.g. https://example.vn/hooks/giaoban'))
        .min(1, 'expected at least one http(s) URL')
        .max(10, 'expected at most 10 URLs'),
    )
    .transform((list) => [...new Set(list)]),
);

/** Standard Webhooks: "whsec_" and the key in base64; the specification asks for 24 to 64 bytes. */
const webhookSecret = z.string().refine(
  (s) => {
    const key = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(s)?.[1];
    if (!key || key.length % 4 !== 0) return false;
    const bytes = Buffer.from(key, 'base64').length;
    return bytes >= 24 && bytes <= 64;
  },
  {
    error:
      "expected \"whsec_\" followed by 24-64 random bytes in base64; make one with: node -e \"console.log('whsec_' + require('crypto').randomBytes(32).toString('base64'))\"",
  },
);

/** A command and its arguments, run without a shell: a JSON array, or words separated by spaces. */
const smsCommand = z.preprocess(
  asText,
  z
    .string()
    .transform((s, ctx) => {
      const text = s.trim();
      if (!text.startsWith('[')) return text.split(/\s+/).filter(Boolean);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON array of strings or words separated by spaces' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(z.string().min(1), { error: 'expected a JSON array of strings or words separated by spaces' })
        .min(1, 'expected a command, e.g. gammu-smsd-inject TEXT {to} -unicode -text {text}'),
    ),
);

/** Settings whose value is never repeated in an error message (it holds a secret). */
const secretSettings: ReadonlySet<string> = new Set(['WEBHOOK_SECRET', 'WEBHOOK_URLS', 'SMTP_URL', 'SMS_GATEWAY_URL']);

// Every setting the service reads. Names are the environment variable names; a config file
// uses the same keys.
export const settingsSchema = z.strictObject({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: int(0, 65535, 'a TCP port (0: any free port)').default(3000),
  PUBLIC_URL: httpUrl.optional(),
  TLS_CERT_FILE: readableFile('a PEM certificate').optional(),
  TLS_KEY_FILE: readableFile('a PEM private key').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPERATOR_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'expected a redis:// or rediss:// URL')
    .optional(),
  // Where state lives: a private redis-server in DATA_DIR (the default), the Redis at
  // REDIS_URL, or memory only (tests; lost at every restart).
  STORE: z.enum(['embedded', 'redis', 'memory'], { error: 'expected "embedded", "redis" or "memory"' }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  // Recordings (server/recording/): the live session is recorded from its start when
  // RECORDING_AUTO; none starts with less than RECORDING_MIN_FREE_MB free under DATA_DIR.
  RECORDING_AUTO: bool.default(true),
  RECORDING_MIN_FREE_MB: int(0, 10_000_000, 'the free disk space in MB below which no recording starts').default(2048),
  // TURN for bridges behind firewalls: an existing server (TURN_URLS + TURN_SECRET, the TURN
  // REST scheme) or coturn run by the service itself (TURN_EMBEDDED), on UDP TURN_PORT and TLS
  // TURN_TLS_PORT (443 in production, where only https gets out of a branch office).
  TURN_URLS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^turns?:[^\s]+$/, 'expected turn: or turns: URLs, comma-separated')).min(1))
    .optional(),
  TURN_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  TURN_EMBEDDED: bool.default(false),
  TURN_PORT: int(1, 65535, 'a UDP/TCP port for TURN').default(3478),
  TURN_TLS_PORT: int(1, 65535, 'a TLS port for TURN (443 gets through most firewalls)').default(5349),
  TURN_CREDENTIAL_TTL_S: int(60, 86400, 'how long a TURN credential lasts, in seconds').default(3600),
  // Several nodes on one Redis carry one briefing (cluster/): each node's own id.
  CLUSTER: bool.default(false),
  // The address other nodes reach this node's media at (the cascade), when it is not the one
  // the bridges use (MEDIA_ANNOUNCED_ADDRESS): e.g. a private network between the nodes.
  CLUSTER_MEDIA_ADDRESS: ip('the address other nodes reach this node at').optional(),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected letters, digits and . _ : - (up to 64)')
    .optional(),
  // A read-only token for /metrics, so a scraper does not hold the operator's key.
  METRICS_TOKEN: z.string().min(16, 'expected at least 16 characters').optional(),
  // Multiplies the per-connection event rates (tests of the handlers raise it; 1 in production).
  SIGNALING_RATE_SCALE: int(1, 100000, 'a multiplier of the per-connection event rates').default(1),
  ROSTER_FILE: readableFile('a JSON roster file').optional(),
  TIME_ZONE: timeZone.default('Asia/Ho_Chi_Minh'),
  MEDIA_WORKERS: int(1, 64, 'a number of mediasoup workers').default(availableParallelism()),
  // 0 lets each worker take any free port (tests run side by side that way).
  MEDIA_PORT: int(
    0,
    65000,
    'the first media port (1024-65000; worker N listens on MEDIA_PORT+N) or 0 for any free port',
  )
    .refine((p) => p === 0 || p >= 1024, 'expected the first media port: 1024-65000, or 0 for any free port')
    .default(40000),
  MEDIA_LISTEN_IP: ip('the local address for media').default('0.0.0.0'),
  MEDIA_ANNOUNCED_ADDRESS: z.string().min(1).default('127.0.0.1'),
  MEDIA_PROTOCOLS: protocols.default(['udp', 'tcp']),
  MEDIA_ROUTER_CONSUMER_BUDGET: int(4, 100000, 'consumers per router before another worker is used').default(1000),
  HUB_HEARS: z.enum(['all', 'floor'], { error: 'expected "all" or "floor"' }).default('all'),
  HEARTBEAT_INTERVAL_MS: int(100, 60000, 'a heartbeat interval in ms').default(1000),
  // A silent client is dropped between TIMEOUT-INTERVAL and TIMEOUT after it went quiet.
  HEARTBEAT_TIMEOUT_MS: int(300, 120000, 'a heartbeat timeout in ms').default(2500),
  STATS_INTERVAL_MS: int(200, 60000, 'a stats sampling interval in ms').default(1000),
  STATUS_MAX_RTT_MS: int(1, 60000, 'a round-trip time in ms above which a site is degraded').default(400),
  STATUS_MAX_LOSS_PCT: int(0, 100, 'a packet loss % above which a site is degraded').default(3),
  STATUS_MAX_JITTER_MS: int(1, 60000, 'a jitter in ms above which a site is degraded').default(50),
  STATUS_MIN_SEND_KBPS: int(0, 100000, 'a bitrate in kbit/s below which a site sends no media').default(8),
  STATUS_CONNECT_GRACE_MS: int(0, 600000, 'how long a new connection may take to get media flowing, in ms').default(
    10000,
  ),
  // Rehearsal checks; defaults from published practice for interactive video.
  REHEARSAL_MAX_RTT_MS: int(1, 60000, 'a round-trip time in ms a rehearsal accepts').default(300),
  REHEARSAL_MAX_LOSS_PCT: int(0, 100, 'a packet loss % a rehearsal accepts').default(2),
  REHEARSAL_MAX_JITTER_MS: int(1, 60000, 'a jitter in ms a rehearsal accepts').default(30),
  REHEARSAL_MIN_AUDIO_KBPS: int(0, 100000, 'the audio bitrate in kbit/s a site must send').default(12),
  REHEARSAL_MIN_VIDEO_KBPS: int(0, 100000, 'the video bitrate in kbit/s a site must send').default(30),
  REHEARSAL_WINDOW_MS: int(1000, 600000, 'how long a rehearsal measures each site, in ms').default(4000),
  SHUTDOWN_GRACE_MS: int(100, 60000, 'a shutdown grace period in ms').default(3000),
  TRUST_PROXY: bool.default(false),
  // Webhooks: the briefing's events POSTed in order to each URL, signed the Standard Webhooks
  // way; a delivery is retried with a growing, jittered delay, then kept as a dead letter.
  WEBHOOK_URLS: webhookUrls.optional(),
  WEBHOOK_SECRET: webhookSecret.optional(),
  WEBHOOK_TIMEOUT_MS: int(100, 120000, 'how long one webhook POST may take, in ms').default(10000),
  WEBHOOK_MAX_ATTEMPTS: int(1, 1000, 'attempts before a webhook delivery goes to the dead letters').default(8),
  WEBHOOK_RETRY_BASE_MS: int(10, 3600000, 'the first webhook retry delay in ms (it doubles each time)').default(2000),
  WEBHOOK_RETRY_MAX_MS: int(10, 86400000, 'the longest webhook retry delay, in ms').default(300000),
  // Alerts to a site's technician when it drops, degrades or fails a rehearsal check: on the
  // site's page, by email (SMTP) and by SMS (an HTTP gateway or a command such as gammu's).
  SMTP_URL: urlWith(
    ['smtp:', 'smtps:'],
    'an smtp:// or smtps:// URL, e.g. smtps://user:pass@mail.example.vn',
  ).optional(),
  ALERT_EMAIL_FROM: z.email({ error: 'expected the sender address, e.g. giaoban@example.vn' }).optional(),
  SMS_GATEWAY_URL: urlWith(['http:', 'https:'], 'the http(s) URL the SMS gateway takes POST {to, text} at').optional(),
  SMS_COMMAND: smsCommand.optional(),
  ALERT_OPERATOR_PHONE: z
    .string()
    .regex(/^\+?[\d][\d .-]{2,19}$/, 'expected a phone number, e.g. 024 3825 1234')
    .optional(),
  ALERT_QUIET_MS: int(
    1000,
    3600000,
    'how long a site must stay well before its next trouble alerts again, in ms',
  ).default(120000),
});

export type Settings = z.infer<typeof settingsSchema>;

export interface Config extends Omit<Settings, 'PUBLIC_URL' | 'STORE'> {
  readonly PUBLIC_URL: string;
  readonly STORE: 'embedded' | 'redis' | 'memory';
  /** False when PUBLIC_URL was derived from PORT (then the real port fills it in after listen). */
  readonly publicUrlGiven: boolean;
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly configFile: string | undefined;
}

const settingNames = Object.keys(settingsSchema.shape) as (keyof Settings)[];

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`CONFIG_FILE: cannot read "${path}" (${(err as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`CONFIG_FILE: "${path}" is not valid JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`CONFIG_FILE: "${path}" must hold a JSON object of settings`]);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Parse the configuration. The environment overrides the file. Empty environment values
 * count as unset so `PORT= npm start` means the default, not an error.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const configFile = env.CONFIG_FILE || undefined;
  const raw: Record<string, unknown> = configFile ? readConfigFile(configFile) : {};
  for (const name of settingNames) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[name] = v;
  }
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.length > 0 ? issue.path.join('.') : '(config)';
        const got = issue.path[0] !== undefined ? raw[String(issue.path[0])] : undefined;
        if (issue.code === 'unrecognized_keys') {
          return `${issue.keys.join(', ')}: unknown setting${configFile ? ` in ${configFile}` : ''}`;
        }
        const shown = got !== undefined && !secretSettings.has(String(issue.path[0]));
        return `${name}: ${issue.message}${shown ? ` (got ${JSON.stringify(got)})` : ''}`;
      }),
    );
  }
  const s = result.data;
  const problems: string[] = [];
  if (Boolean(s.TLS_CERT_FILE) !== Boolean(s.TLS_KEY_FILE)) {
    problems.push('TLS_CERT_FILE, TLS_KEY_FILE: set both to serve HTTPS, or neither');
  }
  const store = s.STORE ?? (s.REDIS_URL ? 'redis' : 'embedded');
  if (store === 'redis' && !s.REDIS_URL) problems.push('STORE: "redis" needs REDIS_URL');
  if (store !== 'redis' && s.REDIS_URL) problems.push(`REDIS_URL: set, but STORE is "${store}"; remove one of them`);
  if (s.CLUSTER && store !== 'redis') problems.push('CLUSTER: the nodes of a cluster share one Redis: set REDIS_URL');
  if (s.TURN_URLS && s.TURN_EMBEDDED) problems.push('TURN_URLS: set, but TURN_EMBEDDED is true; use one of them');
  if (s.TURN_URLS && !s.TURN_SECRET) problems.push('TURN_SECRET: TURN_URLS needs the TURN server’s shared secret');
  if (s.WEBHOOK_URLS && !s.WEBHOOK_SECRET) problems.push('WEBHOOK_SECRET: WEBHOOK_URLS needs the secret to sign with');
  if (s.WEBHOOK_RETRY_MAX_MS < s.WEBHOOK_RETRY_BASE_MS)
    problems.push('WEBHOOK_RETRY_MAX_MS: expected at least WEBHOOK_RETRY_BASE_MS');
  if (s.SMTP_URL && !s.ALERT_EMAIL_FROM) problems.push('ALERT_EMAIL_FROM: SMTP_URL needs the sender address');
  if (s.SMS_GATEWAY_URL && s.SMS_COMMAND) problems.push('SMS_COMMAND: set, but so is SMS_GATEWAY_URL; use one of them');
  if (s.HEARTBEAT_TIMEOUT_MS <= s.HEARTBEAT_INTERVAL_MS) {
    problems.push('HEARTBEAT_TIMEOUT_MS: expected more than HEARTBEAT_INTERVAL_MS');
  }
  let tls: Config['tls'];
  if (s.TLS_CERT_FILE && s.TLS_KEY_FILE) {
    tls = { cert: readFileSync(s.TLS_CERT_FILE, 'utf8'), key: readFileSync(s.TLS_KEY_FILE, 'utf8') };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = s.PUBLIC_URL ?? `${tls ? 'https' : 'http'}://localhost:${s.PORT}`;
  return Object.freeze({
    ...s,
    MEDIA_PROTOCOLS: Object.freeze([...s.MEDIA_PROTOCOLS]),
    PUBLIC_URL: publicUrl,
    STORE: store,
    publicUrlGiven: s.PUBLIC_URL !== undefined,
    tls,
    configFile,
  }) as Readonly<Config>;
}

/** Why remote technicians may not get a camera: browsers allow it only on https or localhost. */
export function publicUrlWarning(config: Pick<Config, 'PUBLIC_URL'>): string | undefined {
  const u = new URL(config.PUBLIC_URL);
  const local = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
  if (u.protocol === 'https:' || local) return undefined;
  return `PUBLIC_URL ${config.PUBLIC_URL} is neither https nor localhost: browsers at the bridges will refuse camera and microphone access. Set TLS_CERT_FILE and TLS_KEY_FILE (or put an HTTPS proxy in front) and use an https PUBLIC_URL.`;
}
