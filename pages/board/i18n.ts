// The board's words: Vietnamese (the default; the operator's language) and English, with a
// switch remembered in this browser (the same key as the technician's page, so one choice
// holds for the whole site).
const vi = {
  'app.title': 'Bảng theo dõi giao ban',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch the board to English',

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
  'flag.speaking': 'Đang nói',

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
  'detail.state': 'Trạng thái',
  'detail.since': 'Từ lúc',
  'detail.reason': 'Chi tiết',
  'detail.location': 'Địa điểm',
  'detail.units': 'Đơn vị',
  'detail.technician': 'Kỹ thuật viên',
  'detail.noTechnician': 'Chưa có thông tin kỹ thuật viên',
  'detail.flags': 'Ghi chú',
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

  'alert.dropped': '{name} vừa mất kết nối',
  'alert.degraded': '{name}: chất lượng đường truyền kém',
  'alert.dismiss': 'Đã biết',
  'alert.more': '(+{n} cảnh báo khác)',
  'sound.on': 'Âm báo: bật',
  'sound.off': 'Âm báo: tắt',
  'sound.title': 'Bật/tắt tiếng bíp khi có cảnh báo',
  'sound.blocked': 'Trình duyệt chưa cho phát tiếng: bấm vào bảng một lần để bật âm báo',
};

type Strings = Record<keyof typeof vi, string>;
export type StringKey = keyof typeof vi;

const en: Strings = {
  'app.title': 'Briefing status board',
  'lang.switch': 'Tiếng Việt',
  'lang.switchTitle': 'Chuyển bảng sang tiếng Việt',

  'login.heading': 'Operator sign-in',
  'login.label': 'Operator token',
  'login.submit': 'Open the board',
  'login.hint': 'Given by the server administrator. It is kept in this browser tab only.',
  'login.checking': 'Checking the token…',
  'login.wrong': 'The operator token is wrong. Check it and enter it again.',
  'login.unreachable': 'Cannot reach the server ({detail}). Retrying…',
  'login.logout': 'Sign out',

  'conn.reconnecting': 'Lost the connection to the server; reconnecting… The board may be out of date.',

  'phase.open': 'Open',
  'phase.rehearsal': 'Rehearsal',
  'phase.live': 'Live',
  'phase.title': 'Conference phase',

  'state.online': 'Good',
  'state.degraded': 'Degraded',
  'state.connecting': 'Connecting',
  'state.offline': 'Offline',

  'summary.bridgesUp': '{up}/{total} bridges online',
  'summary.hub': 'Hub: {state}',

  'flag.floor': 'Has the floor',
  'flag.hand': 'Hand raised',
  'flag.muted': 'Muted by the operator',
  'flag.selfMuted': 'Room muted its microphone',
  'flag.reconnecting': 'Reconnecting',
  'flag.flapping': 'Flapping (keeps dropping)',
  'flag.speaking': 'Speaking',

  'metric.rtt': 'Round trip (RTT)',
  'metric.loss': 'Packet loss',
  'metric.jitter': 'Jitter',
  'metric.in': '↑ Sends',
  'metric.out': '↓ Receives',
  'metric.transport': 'Transport',
  'metric.mic': 'Microphone',
  'metric.cam': 'Camera',
  'metric.none': '–',

  'detail.close': 'Close',
  'detail.state': 'State',
  'detail.since': 'Since',
  'detail.reason': 'Detail',
  'detail.location': 'Location',
  'detail.units': 'Units',
  'detail.technician': 'Technician',
  'detail.noTechnician': 'No technician contact on file',
  'detail.flags': 'Notes',
  'detail.hub': 'Central hub (presiding)',
  'detail.rehearsal': 'Latest rehearsal ({when})',
  'rehearsal.pass': 'passed',
  'rehearsal.fail': 'failed',
  'rehearsal.absent': 'absent',
  'rehearsal.pending': 'no result yet',

  'action.giveFloor': 'Give the floor',
  'action.takeFloor': 'Take the floor back',
  'action.mute': 'Mute',
  'action.unmute': 'Unmute',
  'action.restartIce': '↻ Ask to reconnect',
  'action.disconnect': 'Disconnect',
  'action.copyLink': 'Copy link',
  'action.reissue': 'Re-issue link',
  'action.confirm': 'Confirm',
  'action.cancel': 'Cancel',
  'action.confirmReissue':
    'Issue a new link for {name}? The old link stops working at once and a connected room is disconnected.',
  'action.confirmDisconnect': 'Disconnect {name} from the conference?',
  'action.done.floor': '{name} has the floor.',
  'action.done.takeFloor': 'The floor was taken back.',
  'action.done.mute': '{name} is muted.',
  'action.done.unmute': '{name} is unmuted.',
  'action.done.restartIce': '{name} was asked to reconnect.',
  'action.done.disconnect': '{name} was disconnected.',
  'action.done.copied': 'Copied the link of {name}.',
  'action.done.copyManual': 'Could not copy automatically; select and copy the link below:',
  'action.done.reissued': 'New link for {name} (send it to the technician):',
  'action.failed': 'Failed: {message}',

  'error.unauthorized': 'the operator token is no longer valid',
  'error.not_found': 'no such site',
  'error.conflict': 'the site is not connected',
  'error.bad_request': 'invalid request',
  'error.timeout': 'the server did not answer',
  'error.offline': 'not connected to the server',
  'error.other': 'server error',

  'floor.heading': 'The floor',
  'floor.nobody': 'Nobody has the floor',
  'floor.holder': '{name}',
  'hands.heading': 'Raised hands ({n})',
  'hands.none': 'No hands raised',

  'map.heading': 'Map of the sites',
  'timeline.heading': 'Today',
  'timeline.problemsOnly': 'Problems only',
  'timeline.empty': 'No events yet',
  'ev.state': '{name}: {from} → {to}',
  'ev.floorGiven': '{name} was given the floor',
  'ev.floorTaken': 'Floor taken back from {name}',
  'ev.handRaised': '{name} raised a hand',
  'ev.handLowered': '{name} lowered its hand',
  'ev.muted': '{name} was muted',
  'ev.unmuted': '{name} was unmuted',
  'ev.iceRestart': '{name} was asked to reconnect',
  'ev.reissued': 'New link issued for {name}',
  'ev.alert.dropped': '⚠ {name} dropped out',
  'ev.alert.degraded': '⚠ {name} degraded',
  'ev.other': '{type} {name}',

  'alert.dropped': '{name} just dropped out',
  'alert.degraded': '{name}: poor link quality',
  'alert.dismiss': 'Got it',
  'alert.more': '(+{n} more alerts)',
  'sound.on': 'Alert sound: on',
  'sound.off': 'Alert sound: off',
  'sound.title': 'Beep when an alert comes in',
  'sound.blocked': 'The browser does not allow sound yet: click the board once to enable the alert beep',
};

export type Lang = 'vi' | 'en';
const tables: Record<Lang, Strings> = { vi, en };
const STORAGE_KEY = 'giaoBan.lang';

function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi'; // storage disabled: Vietnamese
  }
}

let lang: Lang = storedLang();
const listeners = new Set<() => void>();

export const getLang = (): Lang => lang;

export function setLang(next: Lang): void {
  if (next === lang) return;
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: StringKey, params: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Fill every [data-i18n] element's text (and [data-i18n-title] titles) under root. */
export function translateDom(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as StringKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle as StringKey);
  }
  document.documentElement.lang = lang;
}
