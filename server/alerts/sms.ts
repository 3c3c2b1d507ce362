// Alerts by SMS: through an HTTP gateway (SMS_GATEWAY_URL takes POST {"to", "text"}), or a
// command on this machine (SMS_COMMAND, e.g. Debian's gammu-smsd-inject with a GSM modem) run
// with the number and the text as arguments: never through a shell, so a text cannot become a
// command. The command's words may place them with {to} and {text}; otherwise both are added
// at the end.
import { execFile } from 'node:child_process';

export interface SmsSender {
  send(to: string, text: string): Promise<void>;
}

/** A roster phone ("0912 345 678") as a gateway or a modem takes it ("0912345678"). */
export const smsNumber = (phone: string) => phone.replace(/[^\d+]/g, '');

export class SmsGateway implements SmsSender {
  constructor(
    readonly url: string,
    readonly timeoutMs = 10_000,
  ) {}

  async send(to: string, text: string): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'giao-ban' },
      body: JSON.stringify({ to, text }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const body = await res.text().catch(() => '');
    if (!res.ok) throw new Error(`SMS gateway answered HTTP ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

export class SmsCommand implements SmsSender {
  readonly #words: readonly string[];

  constructor(
    words: readonly string[],
    readonly timeoutMs = 30_000,
  ) {
    if (words.length === 0) throw new Error('SMS_COMMAND: no command');
    this.#words = words;
  }

  /** The program and its arguments for one message. */
  argv(to: string, text: string): string[] {
    const placed = this.#words.some((w) => w === '{to}' || w === '{text}');
    const args = this.#words.map((w) => (w === '{to}' ? to : w === '{text}' ? text : w));
    return placed ? args : [...args, to, text];
  }

  send(to: string, text: string): Promise<void> {
    const [file, ...args] = this.argv(to, text);
    return new Promise((resolve, reject) => {
      execFile(file ?? '', args, { timeout: this.timeoutMs, shell: false }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = String(stderr).trim().split('\n').slice(-2).join(' ').slice(0, 200);
        reject(new Error(`${file}: ${err.message.split('\n')[0]}${why ? ` (${why})` : ''}`));
      });
    });
  }
}
