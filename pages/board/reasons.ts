// The server explains a site's state in English (server/status/derive.ts); the operator reads
// Vietnamese. Known reasons are translated, anything else is shown as the server said it.
import { lang } from './i18n.js';

const fixed: Record<string, string> = {
  'no connection': 'không có kết nối',
  'not connected yet': 'chưa kết nối',
  'media flowing both ways': 'hình và tiếng thông suốt hai chiều',
  'media transports not created': 'chưa mở kênh hình/tiếng',
  'media link interrupted (ICE disconnected)': 'kênh hình/tiếng bị gián đoạn (ICE disconnected)',
  'waiting for media statistics': 'đang chờ số liệu đường truyền',
  'sends no audio or video': 'phòng không gửi hình hay tiếng',
  'sends no media (no bytes arriving)': 'phòng không gửi hình/tiếng (không có dữ liệu tới)',
  'receives no media': 'phòng không nhận được hình/tiếng',
  'server restarted': 'máy chủ khởi động lại',
  'audio only: the link is too thin for video': 'chỉ nhận tiếng: đường truyền quá yếu cho hình',
};

const patterns: readonly [RegExp, string][] = [
  [/^RTT (\S+) ms > (\S+) ms$/, 'độ trễ $1 ms > $2 ms'],
  [/^loss (\S+) % > (\S+) %$/, 'mất gói $1 % > $2 %'],
  [/^jitter (\S+) ms > (\S+) ms$/, 'jitter $1 ms > $2 ms'],
  [/^media not connected \((.*)\)$/, 'kênh hình/tiếng chưa thông ($1)'],
];

export function reasonText(reason: string | null | undefined): string {
  if (!reason) return '';
  if (lang.value === 'en') return reason;
  const known = fixed[reason];
  if (known) return known;
  for (const [pattern, vi] of patterns) if (pattern.test(reason)) return reason.replace(pattern, vi);
  return reason;
}
