// npm run cert -- <host> [--out <dir>] [--days <n>]: a self-signed certificate for a test on a
// LAN, where a real one (from the branch's CA or Let's Encrypt) is not at hand. The browser
// needs https for the camera, and Chromium checks the TURN server's certificate the same way,
// so the same files serve both (TLS_CERT_FILE, TLS_KEY_FILE). Each technician's computer must
// trust it once: the steps, in Vietnamese, are printed and written beside the files.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { makeSelfSigned } from '../server/tls/self-signed.js';

const say = (text: string) => process.stdout.write(`${text}\n`);
const warn = (text: string) => process.stderr.write(`${text}\n`);

function fail(message: string): never {
  warn(`cert: ${message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (!value || value.startsWith('--')) fail(`--${name} needs a value`);
  args.splice(i, 2);
  return value;
};
const out = resolve(option('out') ?? join(process.env.DATA_DIR ?? './data', 'tls'));
const days = Number(option('days') ?? '825');
if (!Number.isInteger(days) || days < 1 || days > 3650) fail('--days: expected a whole number of days, 1-3650');
const host = args[0];
if (!host || args.length > 1) {
  fail('usage: npm run cert -- <host name or IP address the branches open> [--out <dir>] [--days <n>]');
}
if (
  !isIP(host) &&
  !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host)
) {
  fail(`"${host}" is neither an IP address nor a host name`);
}

mkdirSync(out, { recursive: true, mode: 0o700 });
const certFile = join(out, 'cert.pem');
const keyFile = join(out, 'key.pem');
const crtFile = join(out, 'giaoban.crt'); // the same certificate, named for Windows' "Install"
const san = isIP(host) ? `IP:${host}` : `DNS:${host}`;
try {
  await makeSelfSigned({ host, certFile, keyFile, days, organisation: 'Giao Ban (self-signed)' });
} catch (err) {
  fail((err as Error).message);
}
execFileSync('openssl', ['x509', '-in', certFile, '-outform', 'der', '-out', crtFile]);

const steps = `Chứng chỉ tự ký cho ${host} (dùng thử trong mạng nội bộ)

Máy chủ: đặt trong cấu hình
  TLS_CERT_FILE=${certFile}
  TLS_KEY_FILE=${keyFile}
  PUBLIC_URL=https://${host}:<cổng>
rồi chạy lại npm start. Máy chủ TURN đi kèm (TURN_EMBEDDED=true) dùng cùng chứng chỉ này.

Trên MỖI máy tính của điểm cầu (làm một lần, cần quyền quản trị):
  Windows: chép tệp giaoban.crt sang máy, bấm đúp > Install Certificate > Local Machine >
           "Place all certificates in the following store" > Trusted Root Certification
           Authorities > Finish. Hoặc chạy (quyền Administrator):
             certutil -addstore -f Root giaoban.crt
  Linux (Chrome/Chromium): certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n giaoban -i giaoban.crt
Sau đó đóng hết cửa sổ Chrome rồi mở lại đường dẫn tham dự.

Nếu trình duyệt báo "Kết nối của bạn không phải là kết nối riêng tư": chứng chỉ chưa được cài
trên máy đó. Đừng bấm "Tiếp tục" mà cài chứng chỉ như trên; nếu không, hình/tiếng có thể không
qua được máy chủ chuyển tiếp (TURN) khi tường lửa chặn UDP.

Dùng lâu dài: xin chứng chỉ thật cho tên miền của máy chủ (CA của đơn vị hoặc Let's Encrypt).
`;
writeFileSync(join(out, 'huong-dan-chung-chi.txt'), steps);
say(`cert: made a self-signed certificate for ${host} (${san}), valid ${days} days
  certificate: ${certFile}
  private key: ${keyFile}
  for Windows: ${crtFile}
Set TLS_CERT_FILE and TLS_KEY_FILE to these files. Each technician's computer must trust the
certificate once; the steps, in Vietnamese, are in ${join(out, 'huong-dan-chung-chi.txt')}:
`);
say(steps);
