import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, loadConfig, publicUrlWarning } from '../../config/schema.js';

const rejects = (t: Test, env: Record<string, string>, setting: string, expected: RegExp) => {
  try {
    loadConfig(env);
    t.fail(`expected ${JSON.stringify(env)} to be rejected`);
  } catch (err) {
    t.type(err, ConfigError);
    const msg = (err as Error).message;
    t.match(msg, setting, `message names ${setting}`);
    t.match(msg, expected);
  }
};

t.test('defaults are valid and frozen', async (t) => {
  const c = loadConfig({});
  t.equal(c.PORT, 3000);
  t.equal(c.HOST, '0.0.0.0');
  t.equal(c.PUBLIC_URL, 'http://localhost:3000');
  t.equal(c.MEDIA_ANNOUNCED_ADDRESS, '127.0.0.1');
  t.equal(c.TIME_ZONE, 'Asia/Ho_Chi_Minh');
  t.equal(c.REDIS_URL, undefined);
  t.same(c.MEDIA_PROTOCOLS, ['udp', 'tcp']);
  t.ok(c.MEDIA_WORKERS >= 1);
  t.ok(Object.isFrozen(c));
  t.throws(() => {
    (c as { PORT: number }).PORT = 1;
  });
  t.equal(publicUrlWarning(c), undefined, 'localhost needs no warning');
});

t.test('environment values are parsed', async (t) => {
  const c = loadConfig({
    PORT: '8443',
    PUBLIC_URL: 'https://giaoban.example.vn/',
    REDIS_URL: 'redis://127.0.0.1:6379/2',
    MEDIA_PROTOCOLS: 'tcp',
    HUB_HEARS: 'floor',
    TIME_ZONE: 'UTC',
  });
  t.equal(c.PORT, 8443);
  t.equal(c.PUBLIC_URL, 'https://giaoban.example.vn', 'trailing slash dropped');
  t.same(c.MEDIA_PROTOCOLS, ['tcp']);
  t.equal(c.HUB_HEARS, 'floor');
});

t.test('each bad setting is rejected with its name', async (t) => {
  rejects(t, { PORT: 'abc' }, 'PORT', /integer 0-65535.*"abc"/);
  rejects(t, { PORT: '70000' }, 'PORT', /integer/);
  rejects(t, { MEDIA_PORT: '80' }, 'MEDIA_PORT', /1024-65000, or 0/);
  rejects(t, { MEDIA_WORKERS: '0' }, 'MEDIA_WORKERS', /integer 1-64/);
  rejects(t, { PUBLIC_URL: 'giaoban.vn' }, 'PUBLIC_URL', /http\(s\) origin/);
  rejects(t, { PUBLIC_URL: 'https://x.vn/path' }, 'PUBLIC_URL', /no path/);
  rejects(t, { REDIS_URL: 'localhost:6379' }, 'REDIS_URL', /redis:\/\//);
  rejects(t, { TIME_ZONE: 'Asia/Hanoi_City' }, 'TIME_ZONE', /IANA/);
  rejects(t, { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /info/);
  rejects(t, { OPERATOR_TOKEN: 'short' }, 'OPERATOR_TOKEN', /16 characters/);
  rejects(t, { ROSTER_FILE: '/nonexistent/roster.json' }, 'ROSTER_FILE', /does not exist/);
  rejects(t, { TLS_CERT_FILE: '/nonexistent/cert.pem' }, 'TLS_CERT_FILE', /does not exist/);
  rejects(t, { MEDIA_LISTEN_IP: 'everywhere' }, 'MEDIA_LISTEN_IP', /IPv4/);
  rejects(t, { MEDIA_PROTOCOLS: 'udp,sctp' }, 'MEDIA_PROTOCOLS', /udp,tcp/);
  rejects(t, { HUB_HEARS: 'some' }, 'HUB_HEARS', /"all" or "floor"/);
  rejects(t, { HEARTBEAT_INTERVAL_MS: '5000', HEARTBEAT_TIMEOUT_MS: '3000' }, 'HEARTBEAT_TIMEOUT_MS', /more than/);
});

t.test('TLS needs both files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-cfg-'));
  const cert = join(dir, 'cert.pem');
  writeFileSync(cert, 'x');
  rejects(t, { TLS_CERT_FILE: cert }, 'TLS_KEY_FILE', /both/);
});

t.test('a config file is read strictly and the environment overrides it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gb-cfg-'));
  const file = join(dir, 'giao-ban.json');
  writeFileSync(file, JSON.stringify({ PORT: 4000, HUB_HEARS: 'floor' }));
  const c = loadConfig({ CONFIG_FILE: file, HUB_HEARS: 'all' });
  t.equal(c.PORT, 4000);
  t.equal(c.HUB_HEARS, 'all');
  writeFileSync(file, JSON.stringify({ PORT: 4000, PROT: 1 }));
  rejects(t, { CONFIG_FILE: file }, 'PROT', /unknown setting/);
  writeFileSync(file, '{ not json');
  rejects(t, { CONFIG_FILE: file }, 'CONFIG_FILE', /not valid JSON/);
});

t.test('a public URL that is neither https nor localhost warns about cameras', async (t) => {
  const c = loadConfig({ PUBLIC_URL: 'http://10.0.0.5:3000' });
  t.match(publicUrlWarning(c), /camera/);
});
