// The alert channels the settings turn on: email when SMTP_URL (and ALERT_EMAIL_FROM) are set,
// SMS through a gateway (SMS_GATEWAY_URL) or a command (SMS_COMMAND). The page is always on.
import type { Config } from '../../config/schema.js';
import { SmtpEmail } from './email.js';
import type { AlertChannels } from './service.js';
import { SmsCommand, SmsGateway } from './sms.js';

export function alertChannels(
  config: Pick<Config, 'SMTP_URL' | 'ALERT_EMAIL_FROM' | 'SMS_GATEWAY_URL' | 'SMS_COMMAND'>,
): AlertChannels & { close(): void } {
  const email =
    config.SMTP_URL && config.ALERT_EMAIL_FROM ? new SmtpEmail(config.SMTP_URL, config.ALERT_EMAIL_FROM) : undefined;
  const sms = config.SMS_GATEWAY_URL
    ? new SmsGateway(config.SMS_GATEWAY_URL)
    : config.SMS_COMMAND
      ? new SmsCommand(config.SMS_COMMAND)
      : undefined;
  return {
    ...(email ? { email } : {}),
    ...(sms ? { sms } : {}),
    close: () => email?.close(),
  };
}
