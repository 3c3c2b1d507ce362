// The board's words: Vietnamese (the default; the operator's language) here, English in
// i18n-en.ts, fetched only when the board is switched to it (half the words, off the first
// load of a slow branch link); its type makes every key of this table required there. The
// switch is remembered in this browser (the same key as the technician's page, so one choice
// holds for the whole site). The language is a signal: every component that words something
// through t() re-renders when it changes, so a switch needs no relabelling pass.
import { effect, signal } from '@preact/signals';
import { getLang, type Lang, onLangChange, setLang } from '../shared/lang.js';

export type { Lang } from '../shared/lang.js';

/** The English table once fetched. */
const english = signal<Record<StringKey, string> | null>(null);
let fetching: Promise<void> | undefined;

/** The language shown: English only once its words are here (Vietnamese until then). */
export const lang = signal<Lang>('vi');
function follow(wanted: Lang): void {
  if (wanted === 'vi' || english.peek()) {
    lang.value = wanted;
    return;
  }
  fetching ??= import('./i18n-en.js').then(
    (m) => {
      english.value = m.en;
    },
    (err: unknown) => {
      fetching = undefined;
      console.error('the English words did not load', err);
    },
  );
  void fetching.then(() => {
    if (english.peek() && getLang() === 'en') lang.value = 'en';
  });
}
follow(getLang());
onLangChange(() => follow(getLang()));
effect(() => {
  document.documentElement.lang = lang.value;
});

export const switchLang = () => setLang(lang.peek() === 'vi' ? 'en' : 'vi');

/** Each key's Vietnamese words. */
const words = {
  'app.title': 'Bảng theo dõi giao ban',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch the board to English',

  // The recordings panel (recordings-panel.tsx).
  'rec.button': 'Ghi hình',
  'rec.buttonTitle': 'Ghi hình buổi giao ban: bắt đầu, dừng, tải về',
  'rec.heading': 'Ghi hình',
  'rec.close': 'Đóng ghi hình',
  'rec.start': 'Bắt đầu ghi',
  'rec.stop': 'Dừng ghi',
  'rec.idle': 'Không ghi hình.',
  'rec.running': 'Đang ghi',
  'rec.video': 'hình: {site}',
  'rec.noVideo': 'chưa có hình',
  'rec.audio': 'tiếng: {sites}',
  'rec.noAudio': 'chưa có tiếng',
  'rec.started': 'Đã bắt đầu ghi ({id}).',
  'rec.startFailed': 'Không bắt đầu ghi được: {message}',
  'rec.stopped': 'Đã dừng ghi ({id}).',
  'rec.stopFailed': 'Không dừng được: {message}',
  'rec.downloaded': 'Đã tải {file}.',
  'rec.downloadFailed': 'Không tải được: {message}',
  'rec.unreadable': 'Không đọc được danh sách ghi hình: {message}',
  'rec.loading': 'Đang tải…',
  'rec.empty': 'Chưa có bản ghi nào.',
  'rec.state.recording': 'Đang ghi',
  'rec.state.stopped': 'Đã dừng',
  'rec.state.failed': 'Lỗi',
  'rec.bySession': 'tự động',
  'rec.byOperator': 'điều hành bật',
  'rec.session': 'phiên {id}',
  'rec.length': 'dài',
  'rec.restarts': 'khởi động lại {n} lần',
  'rec.stopReason': 'dừng: {reason}',
  'rec.segment': 'Đoạn {n}',
  'rec.download': 'Tải về',
  'rec.writing': 'đang ghi…',

  'login.heading': 'Đăng nhập bảng điều hành',
  'login.label': 'Mã điều hành (operator token)',
  'login.submit': 'Vào bảng',
  'login.hint': 'Mã do quản trị máy chủ cấp. Mã chỉ được giữ trong thẻ trình duyệt này.',
  'login.checking': 'Đang kiểm tra mã…',
  'login.wrong': 'Mã điều hành không đúng. Kiểm tra lại rồi nhập lại.',
  'login.unreachable': 'Không liên lạc được máy chủ ({detail}). Đang thử lại…',
  'login.logout': 'Đăng xuất',

  'conn.reconnecting': 'Mất kết nối tới máy chủ, đang kết nối lại… Bảng có thể chưa cập nhật.',

  'phase.open': 'Đang mở',
  'phase.rehearsal': 'Tổng duyệt',
  'phase.live': 'Trực tiếp',
  'phase.title': 'Giai đoạn hội nghị',

  'state.online': 'Ổn định',
  'state.degraded': 'Chất lượng kém',
  'state.connecting': 'Đang kết nối',
  'state.offline': 'Mất kết nối',

  'summary.bridgesUp': '{up}/{total} điểm cầu trực tuyến',
  'summary.hub': 'Trung ương: {state}',

  'flag.floor': 'Đang phát biểu',
  'flag.hand': 'Xin phát biểu',
  'flag.muted': 'Bị tắt tiếng',
  'flag.selfMuted': 'Phòng tự tắt micro',
  'flag.reconnecting': 'Đang kết nối lại',
  'flag.flapping': 'Chập chờn (rớt liên tục)',
  'flag.audioOnly': 'Chỉ nhận tiếng (mạng quá yếu cho hình)',
  'flag.relayed': 'Qua máy chủ chuyển tiếp TURN (tường lửa)',
  'metric.learned': 'Đo khi kiểm tra',
  'metric.downlink': '↓ Ước lượng',

  'metric.rtt': 'Trễ (RTT)',
  'metric.loss': 'Mất gói',
  'metric.jitter': 'Jitter',
  'metric.in': '↑ Gửi lên',
  'metric.out': '↓ Nhận về',
  'metric.transport': 'Giao thức',
  'metric.mic': 'Micro',
  'metric.cam': 'Camera',
  'metric.none': '–',

  'detail.close': 'Đóng',
  'detail.since': 'Từ lúc',
  'detail.reason': 'Chi tiết',
  'detail.location': 'Địa điểm',
  'detail.units': 'Đơn vị',
  'detail.technician': 'Kỹ thuật viên',
  'detail.noTechnician': 'Chưa có thông tin kỹ thuật viên',
  'detail.hub': 'Điểm cầu Trung ương (chủ trì)',
  'detail.rehearsal': 'Tổng duyệt gần nhất ({when})',
  'rehearsal.pass': 'đạt',
  'rehearsal.fail': 'không đạt',
  'rehearsal.absent': 'vắng mặt',
  'rehearsal.pending': 'chưa có kết quả',

  'action.giveFloor': 'Trao lời',
  'action.takeFloor': 'Thu hồi lời',
  'action.mute': 'Tắt tiếng',
  'action.unmute': 'Bật tiếng',
  'action.restartIce': '↻ Yêu cầu kết nối lại',
  'action.disconnect': 'Ngắt kết nối',
  'action.copyLink': 'Sao chép đường dẫn',
  'action.reissue': 'Cấp lại đường dẫn',
  'action.confirm': 'Xác nhận',
  'action.cancel': 'Hủy',
  'action.confirmReissue':
    'Cấp đường dẫn mới cho {name}? Đường dẫn cũ hết hiệu lực ngay và phòng đang kết nối sẽ bị ngắt.',
  'action.confirmDisconnect': 'Ngắt kết nối {name} khỏi hội nghị?',
  'action.done.floor': 'Đã trao lời cho {name}.',
  'action.done.takeFloor': 'Đã thu hồi lời.',
  'action.done.mute': 'Đã tắt tiếng {name}.',
  'action.done.unmute': 'Đã bật tiếng {name}.',
  'action.done.restartIce': 'Đã yêu cầu {name} kết nối lại.',
  'action.done.disconnect': 'Đã ngắt kết nối {name}.',
  'action.done.copied': 'Đã sao chép đường dẫn của {name}.',
  'action.done.copyManual': 'Không sao chép tự động được; chọn và sao chép đường dẫn dưới đây:',
  'action.done.reissued': 'Đường dẫn mới của {name} (gửi cho kỹ thuật viên):',
  'action.failed': 'Không thực hiện được: {message}',

  'error.unauthorized': 'mã điều hành không còn hợp lệ',
  'error.not_found': 'không có điểm cầu này',
  'error.conflict': 'điểm cầu chưa kết nối',
  'error.bad_request': 'yêu cầu không hợp lệ',
  'error.timeout': 'máy chủ không trả lời',
  'error.offline': 'chưa kết nối được máy chủ',
  'error.other': 'lỗi máy chủ',

  'floor.heading': 'Quyền phát biểu',
  'floor.nobody': 'Chưa trao lời cho điểm cầu nào',
  'floor.holder': '{name}',
  'hands.heading': 'Xin phát biểu ({n})',
  'hands.none': 'Chưa có điểm cầu giơ tay',

  'map.heading': 'Bản đồ điểm cầu',
  'timeline.heading': 'Diễn biến hôm nay',
  'timeline.problemsOnly': 'Chỉ hiện sự cố',
  'timeline.empty': 'Chưa có sự kiện',
  'ev.state': '{name}: {from} → {to}',
  'ev.floorGiven': '{name} được trao lời',
  'ev.floorTaken': 'Thu hồi lời của {name}',
  'ev.handRaised': '{name} xin phát biểu',
  'ev.handLowered': '{name} hạ tay',
  'ev.muted': '{name} bị tắt tiếng',
  'ev.unmuted': '{name} được bật tiếng',
  'ev.iceRestart': 'Yêu cầu {name} kết nối lại',
  'ev.reissued': 'Cấp lại đường dẫn cho {name}',
  'ev.alert.dropped': '⚠ {name} rớt khỏi hội nghị',
  'ev.alert.degraded': '⚠ {name} chất lượng kém',
  'ev.other': '{type} {name}',
  'ev.techAlert': 'Đã báo kỹ thuật viên {name}',
  'ev.techAck': 'Kỹ thuật viên {name} đã nhận cảnh báo',
  'ev.message': 'Điều hành viên nhắn tin {name}',

  'alert.dropped': '{name} vừa mất kết nối',
  'alert.degraded': '{name}: chất lượng đường truyền kém',
  'alert.dismiss': 'Đã biết',
  'alert.more': '(+{n} cảnh báo khác)',
  'sound.on': 'Âm báo: bật',
  'sound.off': 'Âm báo: tắt',
  'sound.title': 'Bật/tắt tiếng bíp khi có cảnh báo',
  'sound.blocked': 'Trình duyệt chưa cho phát tiếng: bấm vào bảng một lần để bật âm báo',

  'schedule.button': 'Lịch',
  'schedule.buttonTitle': 'Lịch giao ban và báo cáo tổng duyệt',
  'schedule.heading': 'Lịch giao ban',
  'schedule.close': 'Đóng lịch',
  'plan.heading': 'Lập lịch giao ban',
  'plan.date': 'Ngày giao ban',
  'plan.title': 'Tiêu đề (không bắt buộc)',
  'plan.titlePlaceholder': 'Giao ban trực tuyến',
  'plan.hint': 'Tổng duyệt 16:30 hôm trước, trực tiếp 08:00 ({zone}).',
  'plan.when': 'Tổng duyệt {rehearsal}, trực tiếp {live} ({zone}).',
  'zone.vietnam': 'giờ Việt Nam',
  'zone.named': 'giờ {zone}',
  'plan.submit': 'Lập lịch',
  'plan.busy': 'Đang lập lịch…',
  'plan.done': 'Đã lập lịch: tổng duyệt {rehearsal}; trực tiếp {live}.',
  'plan.conflict': 'Không lập được lịch: trùng giờ với một phiên đã có ({message}).',
  'plan.failed': 'Không lập được lịch: {message}',
  'sessions.heading': 'Các phiên',
  'sessions.empty': 'Chưa có phiên nào. Lập lịch ở trên.',
  'sessions.loading': 'Đang tải lịch…',
  'sessions.unreadable': 'Không đọc được lịch: {message}',
  'sessions.older': 'và {n} phiên cũ hơn',
  'session.rehearsal': 'Tổng duyệt',
  'session.live': 'Trực tiếp',
  'session.status.scheduled': 'Đã lên lịch',
  'session.status.open': 'Đang diễn ra',
  'session.status.ended': 'Đã kết thúc',
  'session.status.cancelled': 'Đã hủy',
  'session.status.missed': 'Bị lỡ (máy chủ không chạy)',
  'session.cancel': 'Hủy',
  'session.cancelTitle': 'Hủy phiên này',
  'session.showReport': 'Xem báo cáo của buổi tổng duyệt này',
  'session.confirmCancel': 'Hủy phiên {kind} “{title}” lúc {when}?',
  'session.confirmCancelOpen': 'Phiên đang diễn ra sẽ kết thúc ngay.',
  'session.confirmYes': 'Xác nhận hủy',
  'session.confirmNo': 'Không hủy',
  'session.cancelled': 'Đã hủy phiên “{title}”.',
  'session.cancelFailed': 'Không hủy được phiên: {message}',
  'duration.minutes': '{m} phút',
  'duration.hours': '{h} giờ',
  'duration.hoursMinutes': '{h} giờ {m} phút',

  'report.heading': 'Báo cáo tổng duyệt',
  'report.none': 'Chưa có buổi tổng duyệt nào để báo cáo.',
  'report.loading': 'Đang tải báo cáo…',
  'report.unreadable': 'Không đọc được báo cáo: {message}',
  'report.running': 'Đang kiểm tra',
  'report.complete': 'Đã hoàn tất',
  'report.pass': 'Đạt',
  'report.fail': 'Không đạt',
  'report.absent': 'Vắng mặt',
  'report.lastPass': 'Điểm cầu cuối cùng đạt lúc {time}',
  'report.failedHeading': 'Không đạt ({n})',
  'report.noFailures': 'Không có điểm cầu nào không đạt.',
  'report.absentHeading': 'Vắng mặt ({n})',
  'report.retestFailed': 'Kiểm tra lại các điểm cầu không đạt',
  'report.retestSite': 'Kiểm tra lại',
  'report.retesting': 'đang kiểm tra lại…',
  'report.retestStarted': 'Đang kiểm tra lại: {names}.',
  'report.retestNone': 'Không có điểm cầu nào đang kết nối để kiểm tra lại.',
  'report.notConnected': 'Chưa kết nối, sẽ được kiểm tra khi vào: {names}.',
  'report.retestError': 'Không kiểm tra lại được: {message}',
  'report.retestClosed': 'Chỉ kiểm tra lại được khi buổi tổng duyệt đang diễn ra.',
  'report.csv': 'Tải CSV',
  'report.print': 'In báo cáo',
  'report.printTitle': 'Mở bản in trong thẻ mới (Ctrl+P để in)',
  'report.downloaded': 'Đã tải {file}.',
  'report.downloadFailed': 'Không tải được: {message}',
  'report.popupBlocked': 'Trình duyệt chặn cửa sổ mới; đã tải báo cáo về máy ({file}) để mở và in.',
  'report.more': '{names} và {n} điểm cầu khác',
  'report.notedHeading': 'Đạt, có lưu ý ({n})',
  'check.note': 'Lưu ý',
  'tile.rehearsal.fail': 'Tổng duyệt gần nhất: không đạt',
  'tile.rehearsal.absent': 'Tổng duyệt gần nhất: vắng mặt',

  'calls.button': 'Gọi kỹ thuật',
  'calls.buttonTitle': 'Các điểm cầu gặp sự cố: kỹ thuật viên, số điện thoại, cảnh báo đã gửi',
  'calls.heading': 'Danh sách gọi kỹ thuật viên',
  'calls.close': 'Đóng danh sách gọi',
  'calls.empty': 'Chưa có cảnh báo nào gửi tới kỹ thuật viên.',
  'calls.loading': 'Đang tải danh sách…',
  'calls.unreadable': 'Không đọc được danh sách: {message}',
  'calls.kind.dropped': 'Mất kết nối',
  'calls.kind.degraded': 'Chất lượng kém',
  'calls.kind.check-failed': 'Không đạt kiểm tra',
  'calls.kind.absent': 'Vắng tổng duyệt',
  'calls.repeats': 'lặp lại {n} lần',
  'calls.over': 'đã ổn lại',
  'calls.earlier': '+{n} cảnh báo trước',
  'calls.noTechnician': 'Chưa có liên hệ kỹ thuật viên',
  'calls.channel.page': 'Trang',
  'calls.channel.email': 'Email',
  'calls.channel.sms': 'SMS',
  'calls.status.sent': 'đã gửi',
  'calls.status.failed': 'lỗi',
  'calls.status.pending': 'chờ trang mở',
  'calls.status.skipped': 'không gửi',
  'calls.status.none': '…',
  'calls.acked': 'Kỹ thuật viên đã nhận lúc {time}',
  'calls.notAcked': 'Kỹ thuật viên chưa xác nhận',
  'calls.message': 'Nhắn',
  'calls.messagePlaceholder': 'Tin nhắn ngắn tới trang của điểm cầu',
  'calls.messageAll': 'Nhắn tất cả',
  'calls.messageAllPlaceholder': 'Tin nhắn tới trang của mọi điểm cầu',
  'calls.send': 'Gửi',
  'calls.sent': 'Đã gửi tới {n} trang.',
  'calls.sentNone': 'Đã gửi, nhưng trang chưa mở.',
  'calls.sendFailed': 'Không gửi được: {message}',
} as const satisfies Record<string, string>;

export type StringKey = keyof typeof words;

export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  const table = lang.value === 'en' ? english.value : null;
  return (table ? table[key] : words[key]).replace(/\{(\w+)\}/g, (whole: string, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}
