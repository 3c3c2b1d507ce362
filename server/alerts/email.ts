// Alerts by email: nodemailer over the SMTP server at SMTP_URL (smtp:// or smtps://, with the
// account in the URL), from ALERT_EMAIL_FROM. Plain text, Vietnamese first: the message must
// read well in any mail client at a branch office.
import { createTransport, type Transporter } from 'nodemailer';
import { type AlertFacts, alertWords } from '../../contract/alerts.js';

export interface EmailSender {
  send(to: string, facts: AlertFacts): Promise<void>;
  close(): void;
}

/** The email's subject and body for an alert. */
export function alertEmail(facts: AlertFacts): { subject: string; text: string } {
  const vi = alertWords(facts, 'vi');
  const en = alertWords(facts, 'en');
  const numbered = (steps: string[]) => steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
  return {
    subject: `[Giao ban] ${vi.title}`,
    text: `${vi.title}\n\nViệc cần làm:\n${numbered(vi.steps)}\n\n-- English --\n${en.title}\n\nWhat to do:\n${numbered(en.steps)}\n`,
  };
}

export class SmtpEmail implements EmailSender {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(url: string, from: string) {
    this.#transport = createTransport(url, {
      // A dead mail server must not hold an alert for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    this.#from = from;
  }

  async send(to: string, facts: AlertFacts): Promise<void> {
    const { subject, text } = alertEmail(facts);
    await this.#transport.sendMail({ from: this.#from, to, subject, text });
  }

  close(): void {
    this.#transport.close();
  }
}
