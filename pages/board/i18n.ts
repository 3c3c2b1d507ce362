// The board's words: Vietnamese (the default; the operator's language) and English, with a
// switch remembered in this browser (the same key as the technician's page, so one choice
// holds for the whole site). The language is a signal: every component that words something
// through t() re-renders when it changes, so a switch needs no relabelling pass.
import { effect, signal } from '@preact/signals';
import { getLang, type Lang, onLangChange, setLang } from '../shared/lang.js';

export type { Lang } from '../shared/lang.js';

export const lang = signal<Lang>(getLang());
onLangChange(() => {
  lang.value = getLang();
});
effect(() => {
  document.documentElement.lang = lang.value;
});

export const switchLang = () => setLang(lang.peek() === 'vi' ? 'en' : 'vi');

/** Each key's words: [Vietnamese, English], side by side so neither can be forgotten. */
const words = {
  'app.title': ['Bảng theo dõi giao ban', 'Briefing status board'],
  'lang.switch': ['English', 'Tiếng Việt'],
  'lang.switchTitle': ['Switch the board to English', 'Chuyển bảng sang tiếng Việt'],

  'login.heading': ['Đăng nhập bảng điều hành', 'Operator sign-in'],
  'login.label': ['Mã điều hành (operator token)', 'Operator token'],
  'login.submit': ['Vào bảng', 'Open the board'],
  'login.hint': [
    'Mã do quản trị máy chủ cấp. Mã chỉ được giữ trong thẻ trình duyệt này.',
    'Given by the server administrator. It is kept in this browser tab only.',
  ],
  'login.checking': ['Đang kiểm tra mã…', 'Checking the token…'],
  'login.wrong': [
    'Mã điều hành không đúng. Kiểm tra lại rồi nhập lại.',
    'The operator token is wrong. Check it and enter it again.',
  ],
  'login.unreachable': [
    'Không liên lạc được máy chủ ({detail}). Đang thử lại…',
    'Cannot reach the server ({detail}). Retrying…',
  ],
  'login.logout': ['Đăng xuất', 'Sign out'],

  'conn.reconnecting': [
    'Mất kết nối tới máy chủ, đang kết nối lại… Bảng có thể chưa cập nhật.',
    'Lost the connection to the server; reconnecting… The board may be out of date.',
  ],

  'phase.open': ['Đang mở', 'Open'],
  'phase.rehearsal': ['Tổng duyệt', 'Rehearsal'],
  'phase.live': ['Trực tiếp', 'Live'],
  'phase.title': ['Giai đoạn hội nghị', 'Conference phase'],

  'state.online': ['Ổn định', 'Good'],
  'state.degraded': ['Chất lượng kém', 'Degraded'],
  'state.connecting': ['Đang kết nối', 'Connecting'],
  'state.offline': ['Mất kết nối', 'Offline'],

  'summary.bridgesUp': ['{up}/{total} điểm cầu trực tuyến', '{up}/{total} bridges online'],
  'summary.hub': ['Trung ương: {state}', 'Hub: {state}'],

  'flag.floor': ['Đang phát biểu', 'Has the floor'],
  'flag.hand': ['Xin phát biểu', 'Hand raised'],
  'flag.muted': ['Bị tắt tiếng', 'Muted by the operator'],
  'flag.selfMuted': ['Phòng tự tắt micro', 'Room muted its microphone'],
  'flag.reconnecting': ['Đang kết nối lại', 'Reconnecting'],
  'flag.flapping': ['Chập chờn (rớt liên tục)', 'Flapping (keeps dropping)'],

  'metric.rtt': ['Trễ (RTT)', 'Round trip (RTT)'],
  'metric.loss': ['Mất gói', 'Packet loss'],
  'metric.jitter': ['Jitter', 'Jitter'],
  'metric.in': ['↑ Gửi lên', '↑ Sends'],
  'metric.out': ['↓ Nhận về', '↓ Receives'],
  'metric.transport': ['Giao thức', 'Transport'],
  'metric.mic': ['Micro', 'Microphone'],
  'metric.cam': ['Camera', 'Camera'],
  'metric.none': ['–', '–'],

  'detail.close': ['Đóng', 'Close'],
  'detail.since': ['Từ lúc', 'Since'],
  'detail.reason': ['Chi tiết', 'Detail'],
  'detail.location': ['Địa điểm', 'Location'],
  'detail.units': ['Đơn vị', 'Units'],
  'detail.technician': ['Kỹ thuật viên', 'Technician'],
  'detail.noTechnician': ['Chưa có thông tin kỹ thuật viên', 'No technician contact on file'],
  'detail.hub': ['Điểm cầu Trung ương (chủ trì)', 'Central hub (presiding)'],
  'detail.rehearsal': ['Tổng duyệt gần nhất ({when})', 'Latest rehearsal ({when})'],
  'rehearsal.pass': ['đạt', 'passed'],
  'rehearsal.fail': ['không đạt', 'failed'],
  'rehearsal.absent': ['vắng mặt', 'absent'],
  'rehearsal.pending': ['chưa có kết quả', 'no result yet'],

  'action.giveFloor': ['Trao lời', 'Give the floor'],
  'action.takeFloor': ['Thu hồi lời', 'Take the floor back'],
  'action.mute': ['Tắt tiếng', 'Mute'],
  'action.unmute': ['Bật tiếng', 'Unmute'],
  'action.restartIce': ['↻ Yêu cầu kết nối lại', '↻ Ask to reconnect'],
  'action.disconnect': ['Ngắt kết nối', 'Disconnect'],
  'action.copyLink': ['Sao chép đường dẫn', 'Copy link'],
  'action.reissue': ['Cấp lại đường dẫn', 'Re-issue link'],
  'action.confirm': ['Xác nhận', 'Confirm'],
  'action.cancel': ['Hủy', 'Cancel'],
  'action.confirmReissue': [
    'Cấp đường dẫn mới cho {name}? Đường dẫn cũ hết hiệu lực ngay và phòng đang kết nối sẽ bị ngắt.',
    'Issue a new link for {name}? The old link stops working at once and a connected room is disconnected.',
  ],
  'action.confirmDisconnect': ['Ngắt kết nối {name} khỏi hội nghị?', 'Disconnect {name} from the conference?'],
  'action.done.floor': ['Đã trao lời cho {name}.', '{name} has the floor.'],
  'action.done.takeFloor': ['Đã thu hồi lời.', 'The floor was taken back.'],
  'action.done.mute': ['Đã tắt tiếng {name}.', '{name} is muted.'],
  'action.done.unmute': ['Đã bật tiếng {name}.', '{name} is unmuted.'],
  'action.done.restartIce': ['Đã yêu cầu {name} kết nối lại.', '{name} was asked to reconnect.'],
  'action.done.disconnect': ['Đã ngắt kết nối {name}.', '{name} was disconnected.'],
  'action.done.copied': ['Đã sao chép đường dẫn của {name}.', 'Copied the link of {name}.'],
  'action.done.copyManual': [
    'Không sao chép tự động được; chọn và sao chép đường dẫn dưới đây:',
    'Could not copy automatically; select and copy the link below:',
  ],
  'action.done.reissued': [
    'Đường dẫn mới của {name} (gửi cho kỹ thuật viên):',
    'New link for {name} (send it to the technician):',
  ],
  'action.failed': ['Không thực hiện được: {message}', 'Failed: {message}'],

  'error.unauthorized': ['mã điều hành không còn hợp lệ', 'the operator token is no longer valid'],
  'error.not_found': ['không có điểm cầu này', 'no such site'],
  'error.conflict': ['điểm cầu chưa kết nối', 'the site is not connected'],
  'error.bad_request': ['yêu cầu không hợp lệ', 'invalid request'],
  'error.timeout': ['máy chủ không trả lời', 'the server did not answer'],
  'error.offline': ['chưa kết nối được máy chủ', 'not connected to the server'],
  'error.other': ['lỗi máy chủ', 'server error'],

  'floor.heading': ['Quyền phát biểu', 'The floor'],
  'floor.nobody': ['Chưa trao lời cho điểm cầu nào', 'Nobody has the floor'],
  'floor.holder': ['{name}', '{name}'],
  'hands.heading': ['Xin phát biểu ({n})', 'Raised hands ({n})'],
  'hands.none': ['Chưa có điểm cầu giơ tay', 'No hands raised'],

  'map.heading': ['Bản đồ điểm cầu', 'Map of the sites'],
  'timeline.heading': ['Diễn biến hôm nay', 'Today'],
  'timeline.problemsOnly': ['Chỉ hiện sự cố', 'Problems only'],
  'timeline.empty': ['Chưa có sự kiện', 'No events yet'],
  'ev.state': ['{name}: {from} → {to}', '{name}: {from} → {to}'],
  'ev.floorGiven': ['{name} được trao lời', '{name} was given the floor'],
  'ev.floorTaken': ['Thu hồi lời của {name}', 'Floor taken back from {name}'],
  'ev.handRaised': ['{name} xin phát biểu', '{name} raised a hand'],
  'ev.handLowered': ['{name} hạ tay', '{name} lowered its hand'],
  'ev.muted': ['{name} bị tắt tiếng', '{name} was muted'],
  'ev.unmuted': ['{name} được bật tiếng', '{name} was unmuted'],
  'ev.iceRestart': ['Yêu cầu {name} kết nối lại', '{name} was asked to reconnect'],
  'ev.reissued': ['Cấp lại đường dẫn cho {name}', 'New link issued for {name}'],
  'ev.alert.dropped': ['⚠ {name} rớt khỏi hội nghị', '⚠ {name} dropped out'],
  'ev.alert.degraded': ['⚠ {name} chất lượng kém', '⚠ {name} degraded'],
  'ev.other': ['{type} {name}', '{type} {name}'],

  'alert.dropped': ['{name} vừa mất kết nối', '{name} just dropped out'],
  'alert.degraded': ['{name}: chất lượng đường truyền kém', '{name}: poor link quality'],
  'alert.dismiss': ['Đã biết', 'Got it'],
  'alert.more': ['(+{n} cảnh báo khác)', '(+{n} more alerts)'],
  'sound.on': ['Âm báo: bật', 'Alert sound: on'],
  'sound.off': ['Âm báo: tắt', 'Alert sound: off'],
  'sound.title': ['Bật/tắt tiếng bíp khi có cảnh báo', 'Beep when an alert comes in'],
  'sound.blocked': [
    'Trình duyệt chưa cho phát tiếng: bấm vào bảng một lần để bật âm báo',
    'The browser does not allow sound yet: click the board once to enable the alert beep',
  ],

  'schedule.button': ['Lịch', 'Schedule'],
  'schedule.buttonTitle': ['Lịch giao ban và báo cáo tổng duyệt', 'Briefing schedule and rehearsal reports'],
  'schedule.heading': ['Lịch giao ban', 'Briefing schedule'],
  'schedule.close': ['Đóng lịch', 'Close the schedule'],
  'plan.heading': ['Lập lịch giao ban', 'Plan a briefing day'],
  'plan.date': ['Ngày giao ban', 'Briefing day'],
  'plan.title': ['Tiêu đề (không bắt buộc)', 'Title (optional)'],
  'plan.titlePlaceholder': ['Giao ban trực tuyến', 'Giao ban trực tuyến'],
  'plan.hint': [
    'Tổng duyệt 16:30 hôm trước, trực tiếp 08:00 ({zone}).',
    'Rehearsal at 16:30 the day before, live at 08:00 ({zone}).',
  ],
  'plan.when': ['Tổng duyệt {rehearsal}, trực tiếp {live} ({zone}).', 'Rehearsal {rehearsal}, live {live} ({zone}).'],
  'zone.vietnam': ['giờ Việt Nam', 'Vietnam time'],
  'zone.named': ['giờ {zone}', '{zone} time'],
  'plan.submit': ['Lập lịch', 'Plan'],
  'plan.busy': ['Đang lập lịch…', 'Planning…'],
  'plan.done': [
    'Đã lập lịch: tổng duyệt {rehearsal}; trực tiếp {live}.',
    'Planned: rehearsal {rehearsal}; live {live}.',
  ],
  'plan.conflict': [
    'Không lập được lịch: trùng giờ với một phiên đã có ({message}).',
    'Could not plan: it overlaps a session already planned ({message}).',
  ],
  'plan.failed': ['Không lập được lịch: {message}', 'Could not plan: {message}'],
  'sessions.heading': ['Các phiên', 'Sessions'],
  'sessions.empty': ['Chưa có phiên nào. Lập lịch ở trên.', 'No sessions yet. Plan one above.'],
  'sessions.loading': ['Đang tải lịch…', 'Loading the schedule…'],
  'sessions.unreadable': ['Không đọc được lịch: {message}', 'Could not read the schedule: {message}'],
  'sessions.older': ['và {n} phiên cũ hơn', 'and {n} older sessions'],
  'session.rehearsal': ['Tổng duyệt', 'Rehearsal'],
  'session.live': ['Trực tiếp', 'Live'],
  'session.status.scheduled': ['Đã lên lịch', 'Scheduled'],
  'session.status.open': ['Đang diễn ra', 'Under way'],
  'session.status.ended': ['Đã kết thúc', 'Ended'],
  'session.status.cancelled': ['Đã hủy', 'Cancelled'],
  'session.status.missed': ['Bị lỡ (máy chủ không chạy)', 'Missed (the server was down)'],
  'session.cancel': ['Hủy', 'Cancel'],
  'session.cancelTitle': ['Hủy phiên này', 'Cancel this session'],
  'session.showReport': ['Xem báo cáo của buổi tổng duyệt này', 'Show the report of this rehearsal'],
  'session.confirmCancel': ['Hủy phiên {kind} “{title}” lúc {when}?', 'Cancel the {kind} “{title}” at {when}?'],
  'session.confirmCancelOpen': ['Phiên đang diễn ra sẽ kết thúc ngay.', 'It is under way and ends at once.'],
  'session.confirmYes': ['Xác nhận hủy', 'Cancel it'],
  'session.confirmNo': ['Không hủy', 'Keep it'],
  'session.cancelled': ['Đã hủy phiên “{title}”.', 'Cancelled “{title}”.'],
  'session.cancelFailed': ['Không hủy được phiên: {message}', 'Could not cancel: {message}'],
  'duration.minutes': ['{m} phút', '{m} min'],
  'duration.hours': ['{h} giờ', '{h} h'],
  'duration.hoursMinutes': ['{h} giờ {m} phút', '{h} h {m} min'],

  'report.heading': ['Báo cáo tổng duyệt', 'Rehearsal report'],
  'report.none': ['Chưa có buổi tổng duyệt nào để báo cáo.', 'No rehearsal to report on yet.'],
  'report.loading': ['Đang tải báo cáo…', 'Loading the report…'],
  'report.unreadable': ['Không đọc được báo cáo: {message}', 'Could not read the report: {message}'],
  'report.running': ['Đang kiểm tra', 'Checking'],
  'report.complete': ['Đã hoàn tất', 'Complete'],
  'report.pass': ['Đạt', 'Passed'],
  'report.fail': ['Không đạt', 'Failed'],
  'report.absent': ['Vắng mặt', 'Absent'],
  'report.lastPass': ['Điểm cầu cuối cùng đạt lúc {time}', 'Last site passed at {time}'],
  'report.failedHeading': ['Không đạt ({n})', 'Failed ({n})'],
  'report.noFailures': ['Không có điểm cầu nào không đạt.', 'No site failed.'],
  'report.absentHeading': ['Vắng mặt ({n})', 'Absent ({n})'],
  'report.retestFailed': ['Kiểm tra lại các điểm cầu không đạt', 'Check the failed sites again'],
  'report.retestSite': ['Kiểm tra lại', 'Check again'],
  'report.retesting': ['đang kiểm tra lại…', 'checking again…'],
  'report.retestStarted': ['Đang kiểm tra lại: {names}.', 'Checking again: {names}.'],
  'report.retestNone': ['Không có điểm cầu nào đang kết nối để kiểm tra lại.', 'No connected site to check again.'],
  'report.notConnected': [
    'Chưa kết nối, sẽ được kiểm tra khi vào: {names}.',
    'Not connected, checked as soon as they join: {names}.',
  ],
  'report.retestError': ['Không kiểm tra lại được: {message}', 'Could not check again: {message}'],
  'report.retestClosed': [
    'Chỉ kiểm tra lại được khi buổi tổng duyệt đang diễn ra.',
    'Sites can be checked again only while the rehearsal is under way.',
  ],
  'report.csv': ['Tải CSV', 'Download CSV'],
  'report.print': ['In báo cáo', 'Print report'],
  'report.printTitle': [
    'Mở bản in trong thẻ mới (Ctrl+P để in)',
    'Open the printable report in a new tab (Ctrl+P to print)',
  ],
  'report.downloaded': ['Đã tải {file}.', 'Downloaded {file}.'],
  'report.downloadFailed': ['Không tải được: {message}', 'Could not download: {message}'],
  'report.popupBlocked': [
    'Trình duyệt chặn cửa sổ mới; đã tải báo cáo về máy ({file}) để mở và in.',
    'The browser blocked the new window; the report was downloaded ({file}) to open and print.',
  ],
  'report.more': ['{names} và {n} điểm cầu khác', '{names} and {n} more sites'],
  'report.notedHeading': ['Đạt, có lưu ý ({n})', 'Passed, with notes ({n})'],
  'check.note': ['Lưu ý', 'Note'],
  'tile.rehearsal.fail': ['Tổng duyệt gần nhất: không đạt', 'Latest rehearsal: failed'],
  'tile.rehearsal.absent': ['Tổng duyệt gần nhất: vắng mặt', 'Latest rehearsal: absent'],
} as const satisfies Record<string, readonly [string, string]>;

export type StringKey = keyof typeof words;

export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  return words[key][lang.value === 'en' ? 1 : 0].replace(/\{(\w+)\}/g, (whole: string, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}
