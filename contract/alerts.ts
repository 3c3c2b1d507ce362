// Alerts to a site's technician, as words: what happened and, step by step, what to do, in
// Vietnamese (the technicians' language) and English. The server sends facts (the kind, the
// cause, the site, the time, the failed checks); the page words them in its language, and the
// server words the same facts for the email and the SMS, so all three say the same thing.
// Pure data and functions, so the page bundles it; rehearsal checks keep their own words
// (checks.ts), which already say what to do.
import { type CheckParams, checkText, checkTitle, isCheckCode } from './checks.js';

export const technicianAlertKinds = ['dropped', 'degraded', 'check-failed', 'absent'] as const;
export type TechnicianAlertKind = (typeof technicianAlertKinds)[number];

/** What the steps address: the connection, the link's quality, the devices, the ports… */
export const alertCauses = [
  'connection',
  'network',
  'no-send',
  'no-receive',
  'media-setup',
  'check',
  'absent',
  'other',
] as const;
export type AlertCause = (typeof alertCauses)[number];

export type AlertChannelName = 'page' | 'email' | 'sms';

export interface AlertCheck {
  name: string;
  code?: string;
  params?: Record<string, string | number>;
}

/** Everything the words need, as the server sends it. */
export interface AlertFacts {
  kind: TechnicianAlertKind;
  cause: AlertCause;
  /** The site's names (Vietnamese, English). */
  site: string;
  siteEn: string;
  /** "08:42", in the briefing's time zone. */
  time: string;
  /** The status reason as the server derived it (English), e.g. "RTT 900 ms > 400 ms". */
  detail?: string;
  /** The checks a rehearsal failed. */
  checks?: AlertCheck[];
  /** Where the technician calls the central operator. */
  operatorPhone?: string;
}

/** An alert as the site's page receives it (server → site `technician:alert`). */
export interface TechnicianAlertNotice {
  id: string;
  siteId: string;
  at: string;
  facts: AlertFacts;
}

/** The operator's message to a site's page, or to every page (server → site `operator:message`). */
export interface OperatorMessage {
  id: string;
  text: string;
  at: string;
  /** Sent to this site only, or to every site. */
  to: 'site' | 'all';
}

export interface ChannelDeliveryView {
  status: 'sent' | 'failed' | 'pending' | 'skipped';
  at: string;
  to?: string;
  detail?: string;
  attempts?: number;
}

/** An alert as the board's call list shows it (GET /api/alerts, pushed as `technician-alert`). */
export interface TechnicianAlertView {
  id: string;
  siteId: string;
  kind: TechnicianAlertKind;
  cause: string;
  reason: string;
  phase: 'open' | 'rehearsal' | 'live';
  sessionId?: string;
  checks?: AlertCheck[];
  openedAt: string;
  lastAt: string;
  /** Troubles folded into this alert after the first (a site that keeps bouncing). */
  repeats: number;
  deliveries: Partial<Record<AlertChannelName, ChannelDeliveryView>>;
  ackedAt?: string;
  closedAt?: string;
}

type Lang = 'vi' | 'en';

/** The cause a status alert's reason (server/status/derive.ts) points to. */
export function causeOf(kind: TechnicianAlertKind, reason: string): AlertCause {
  if (kind === 'check-failed') return 'check';
  if (kind === 'absent') return 'absent';
  if (kind === 'dropped') return 'connection';
  if (/^(RTT|loss|jitter|audio only)\b/.test(reason) || reason.includes('ICE disconnected')) return 'network';
  if (reason.startsWith('sends no') || reason.startsWith('media stopped arriving')) return 'no-send';
  if (reason.startsWith('receives no')) return 'no-receive';
  if (/^media (not connected|transports not created)|^waiting for media/.test(reason)) return 'media-setup';
  return 'other';
}

const call = {
  vi: 'Nếu sau 2 phút vẫn chưa được, gọi điều hành viên Trung ương{phone}.',
  en: 'If it is not right within 2 minutes, call the central operator{phone}.',
};

const words = {
  vi: {
    connection: {
      title: '{site} mất kết nối với hội nghị lúc {time}',
      steps: [
        'Kiểm tra cáp mạng và đường Internet của phòng họp: mở thử một trang web khác trên máy này.',
        'Để trang điểm cầu mở: trang tự kết nối lại khi mạng trở lại. Nếu trang báo lỗi, bấm nút trên trang hoặc tải lại trang (F5).',
        call.vi,
      ],
    },
    network: {
      title: '{site}: đường truyền kém lúc {time} ({detail})',
      steps: [
        'Tạm dừng các máy khác trong cùng mạng đang tải tệp hoặc xem video.',
        'Dùng cáp mạng thay cho Wi-Fi nếu có thể; kiểm tra cáp và bộ chuyển mạch.',
        'Đóng các chương trình khác đang chạy trên máy phòng họp.',
        call.vi,
      ],
    },
    'no-send': {
      title: '{site}: Trung ương không nhận được hình/tiếng của phòng (lúc {time})',
      steps: [
        'Kiểm tra camera và micro đã cắm chắc vào máy; trên trang, nút Micro và Camera phải đang bật.',
        'Nếu trang báo lỗi thiết bị, làm theo hướng dẫn trên trang rồi bấm «Thử lại».',
        call.vi,
      ],
    },
    'no-receive': {
      title: '{site}: phòng không nhận được hình/tiếng của Trung ương (lúc {time})',
      steps: [
        'Kiểm tra loa và âm lượng của máy; nếu trang hiện «Bấm vào đây để bật âm thanh», bấm vào đó.',
        'Nếu hình Trung ương vẫn đứng, tải lại trang (F5).',
        call.vi,
      ],
    },
    'media-setup': {
      title: '{site}: kênh hình/tiếng chưa thông (lúc {time})',
      steps: [
        'Đề nghị bộ phận mạng mở các cổng hình/tiếng tới máy chủ hội nghị (UDP và TCP).',
        'Tải lại trang (F5); trang tự thử lại, kể cả qua TCP.',
        call.vi,
      ],
    },
    other: {
      title: '{site} gặp sự cố lúc {time} ({detail})',
      steps: [
        'Kiểm tra mạng, camera, micro và loa của phòng họp.',
        'Tải lại trang (F5) nếu trang không tự trở lại bình thường.',
        call.vi,
      ],
    },
    check: {
      title: '{site} chưa đạt kiểm tra kết nối (tổng duyệt, lúc {time})',
      steps: ['Sửa xong, báo điều hành viên để kiểm tra lại trước giờ họp{phone}.'],
    },
    absent: {
      title: '{site} chưa kết nối trong buổi tổng duyệt ({time})',
      steps: [
        'Mở đường dẫn của điểm cầu trên máy phòng họp và bấm «Vào hội nghị».',
        'Nếu trang báo đường dẫn không dùng được, gọi điều hành viên để nhận đường dẫn mới.',
        'Báo điều hành viên để kiểm tra lại trước giờ họp{phone}.',
      ],
    },
    phone: ' (số {phone})',
  },
  en: {
    connection: {
      title: '{site} lost its connection to the conference at {time}',
      steps: [
        "Check the room's network cable and Internet: try opening another website on this computer.",
        'Keep the site page open: it reconnects by itself when the network is back. If it shows an error, press its button or reload the page (F5).',
        call.en,
      ],
    },
    network: {
      title: '{site}: poor link at {time} ({detail})',
      steps: [
        'Pause the other computers on the same network that download files or watch video.',
        'Use a network cable instead of Wi-Fi if you can; check the cable and the switch.',
        'Close the other programs running on the room computer.',
        call.en,
      ],
    },
    'no-send': {
      title: 'The hub receives no picture or sound from {site} (at {time})',
      steps: [
        'Check the camera and microphone are plugged in; on the page, the Microphone and Camera buttons must be on.',
        'If the page shows a device problem, follow its advice, then press "Try again".',
        call.en,
      ],
    },
    'no-receive': {
      title: '{site} receives no picture or sound from the hub (at {time})',
      steps: [
        'Check the speakers and the volume; if the page shows "Click here to turn the sound on", click it.',
        "If the hub's picture stays frozen, reload the page (F5).",
        call.en,
      ],
    },
    'media-setup': {
      title: '{site}: media cannot get through (at {time})',
      steps: [
        'Ask the network staff to open the media ports to the conference server (UDP and TCP).',
        'Reload the page (F5); it tries again, over TCP too.',
        call.en,
      ],
    },
    other: {
      title: '{site} has a problem at {time} ({detail})',
      steps: [
        "Check the room's network, camera, microphone and speakers.",
        'Reload the page (F5) if it does not come right by itself.',
        call.en,
      ],
    },
    check: {
      title: '{site} did not pass the connection check (rehearsal, {time})',
      steps: ['When it is fixed, tell the operator so the site is checked again before the briefing{phone}.'],
    },
    absent: {
      title: '{site} did not connect during the rehearsal ({time})',
      steps: [
        'Open the site\'s link on the room computer and press "Join the conference".',
        'If the page says the link cannot be used, call the operator for a new one.',
        'Tell the operator so the site is checked again before the briefing{phone}.',
      ],
    },
    phone: ' ({phone})',
  },
} as const;

/** The derived reasons the words translate; anything else is shown as the server said it. */
const detailPatterns: readonly [RegExp, string][] = [
  [/^RTT (\S+) ms > (\S+) ms$/, 'độ trễ $1 ms > $2 ms'],
  [/^loss (\S+) % > (\S+) %$/, 'mất gói $1 % > $2 %'],
  [/^jitter (\S+) ms > (\S+) ms$/, 'độ dao động $1 ms > $2 ms'],
  [/^media link interrupted \(ICE disconnected\)$/, 'kênh hình/tiếng bị gián đoạn'],
  [/^media stopped arriving.*$/, 'hình/tiếng ngừng tới máy chủ'],
  [/^audio only.*$/, 'chỉ còn tiếng: đường truyền quá yếu để nhận hình'],
];

function detailText(detail: string | undefined, lang: Lang): string {
  if (!detail) return '';
  if (lang === 'en') return detail;
  for (const [pattern, vi] of detailPatterns) if (pattern.test(detail)) return detail.replace(pattern, vi);
  return detail;
}

const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

/** The alert's title and its steps, in the given language. */
export function alertWords(facts: AlertFacts, lang: Lang): { title: string; steps: string[] } {
  const table = words[lang];
  const entry = table[facts.cause];
  const values = {
    site: lang === 'en' ? facts.siteEn : facts.site,
    time: facts.time,
    detail: detailText(facts.detail, lang),
    phone: facts.operatorPhone ? fill(table.phone, { phone: facts.operatorPhone }) : '',
  };
  // A title whose detail is unknown drops its empty brackets.
  const title = fill(entry.title, values).replace(/ \(\)$/, '');
  const steps: string[] = [];
  if (facts.cause === 'check') {
    for (const c of facts.checks ?? []) {
      const params: CheckParams = c.params ?? {};
      const text = c.code && isCheckCode(c.code) ? checkText(c.code, params, lang) : c.name;
      steps.push(`${checkTitle(c.name, lang)}: ${text}`);
    }
  }
  for (const step of entry.steps) steps.push(fill(step, values));
  return { title, steps };
}

/** One SMS: the title and the first thing to do, short enough for two or three messages. */
export function alertSms(facts: AlertFacts, lang: Lang = 'vi'): string {
  const { title, steps } = alertWords(facts, lang);
  const call = facts.operatorPhone ? ` ${lang === 'vi' ? 'Gọi ĐHV' : 'Operator'}: ${facts.operatorPhone}` : '';
  const text = `[Giao ban] ${title}. ${steps[0] ?? ''}${call}`;
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
