// The page's words: Vietnamese (the default; the technicians' language) and English, with a
// switch that is remembered in this browser. Messages say what happened and what to do.
import { getLang, type Lang, translateDomWith } from '../shared/lang.js';

export { getLang, type Lang, onLangChange, setLang } from '../shared/lang.js';

const vi = {
  'app.title': 'Giao ban trực tuyến',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch the page to English',
  'phase.open': 'Đang mở',
  'phase.rehearsal': 'Tổng duyệt',
  'phase.live': 'Trực tiếp',

  'prejoin.heading': 'Chuẩn bị vào hội nghị',
  'prejoin.connecting': 'Đang kết nối tới máy chủ…',
  'prejoin.devices': 'Thiết bị',
  'prejoin.previewOff': 'Chưa có hình từ camera',

  'device.camera': 'Camera',
  'device.mic': 'Micro',
  'device.speaker': 'Loa',
  'device.none': '(không có)',
  'device.default': 'Mặc định của máy',
  'device.unnamed': '{kind} {n}',
  'device.testSpeaker': 'Thử loa',
  'device.speakerUnsupported': 'Trình duyệt này không cho chọn loa; âm thanh ra loa mặc định của máy.',
  'device.micLevel': 'Mức micro',
  'device.micHint': 'Nói thử vào micro: thanh màu xanh phải nhảy lên.',
  'device.retry': 'Thử lại',
  'device.err.denied':
    'Trình duyệt chưa được phép dùng {what}. Bấm biểu tượng ổ khóa (hoặc camera) bên trái thanh địa chỉ, chọn «Cho phép» cho Camera và Micro, rồi bấm «Thử lại».',
  'device.err.notFound': 'Không tìm thấy {what}. Cắm {what} vào máy (cổng USB), đợi vài giây rồi bấm «Thử lại».',
  'device.err.busy':
    '{What} đang bị chương trình khác dùng (Zoom, Skype, một tab trình duyệt khác…). Đóng chương trình đó rồi bấm «Thử lại».',
  'device.err.insecure':
    'Trang không được mở qua https nên trình duyệt không cho dùng camera và micro. Liên hệ điều hành viên để nhận đường dẫn https.',
  'device.err.other':
    'Không mở được {what} ({detail}). Bấm «Thử lại»; nếu vẫn lỗi, chọn thiết bị khác trong danh sách.',
  'device.err.ended': '{What} vừa bị ngắt (rút dây hoặc lỗi thiết bị). Cắm lại rồi bấm «Thử lại».',
  'device.whatCam': 'camera',
  'device.whatMic': 'micro',
  'device.whatBoth': 'camera và micro',
  'device.joinAnyway':
    'Vẫn có thể vào hội nghị để xem và nghe Trung ương, nhưng các điểm cầu khác sẽ không thấy/nghe được phòng này.',

  'check.heading': 'Kiểm tra mạng',
  'check.again': 'Kiểm tra lại',
  'check.signaling': 'Máy chủ hội nghị',
  'check.udp': 'Hình/tiếng qua UDP',
  'check.tcp': 'Hình/tiếng qua TCP',
  'check.uplink': 'Tốc độ gửi lên',
  'check.waiting': 'chờ',
  'check.running': 'đang kiểm tra…',
  'check.ok': 'thông',
  'check.okRtt': 'thông · trễ {rtt} ms',
  'check.blocked': 'bị chặn',
  'check.unavailable': 'không dùng được',
  'check.unreachable': 'không kết nối được',
  'check.skipped': 'bỏ qua',
  'check.kbps': '≈ {kbps} kbit/s',
  'check.unknown': 'không đo được',
  'check.verdict': 'Mạng: {verdict}',
  'verdict.good': 'tốt',
  'verdict.fair': 'dùng được',
  'verdict.poor': 'kém',
  'advice.good': 'Mạng đủ tốt cho hội nghị. Bấm «Vào hội nghị».',
  'advice.udpBlocked':
    'Mạng chặn UDP; hệ thống sẽ dùng TCP. Hình và tiếng vẫn có nhưng dễ bị trễ khi mạng chậm. Nếu có thể, đề nghị bộ phận mạng mở cổng UDP {ports} tới máy chủ.',
  'advice.udpUnavailable':
    'Không dùng được UDP tới máy chủ (máy chủ chỉ nhận TCP); hệ thống sẽ dùng TCP. Hình và tiếng vẫn có nhưng dễ bị trễ khi mạng chậm.',
  'advice.noMedia':
    'Không gửi được hình và tiếng tới máy chủ (cả UDP và TCP đều không thông). Đề nghị bộ phận mạng mở cổng {ports} tới máy chủ, rồi bấm «Kiểm tra lại». Vẫn có thể thử vào hội nghị.',
  'advice.slowUplink':
    'Tốc độ gửi lên thấp (khoảng {kbps} kbit/s; cần khoảng 800). Tạm dừng các máy khác đang tải hoặc xem video trong cùng mạng; hình của phòng có thể bị giảm chất lượng.',
  'advice.highRtt': 'Độ trễ cao ({rtt} ms). Tiếng và hình có thể đến chậm; báo bộ phận mạng kiểm tra đường truyền.',
  'advice.noServer': 'Không kết nối được tới máy chủ hội nghị. Kiểm tra cáp mạng và Internet; trang tự thử lại.',
  'advice.portsServer': 'của máy chủ hội nghị',

  'join.button': 'Vào hội nghị',
  'join.joining': 'Đang vào hội nghị…',
  'join.waitingServer': 'Đang chờ kết nối tới máy chủ…',

  'conf.self': 'Phòng của bạn',
  'conf.floorBanner': 'Bạn đang có quyền phát biểu',
  'conf.floorOther': 'Đang phát biểu: {name}',
  'conf.waitingVideo': 'Đang chờ hình từ {name}…',
  'conf.notConnected': '{name} chưa kết nối',
  'conf.micOff': 'Tắt micro',
  'conf.micOn': 'Bật micro',
  'conf.camOff': 'Tắt camera',
  'conf.camOn': 'Bật camera',
  'conf.handRaise': 'Giơ tay xin phát biểu',
  'conf.handLower': 'Hạ tay',
  'conf.handUp': 'Đã giơ tay — chờ Trung ương cho phát biểu.',
  'conf.mutedByOperator': 'Điều hành viên đã tắt micro của phòng này.',
  'conf.micMuted': 'Micro của phòng đang tắt.',
  'conf.camMuted': 'Camera của phòng đang tắt.',
  'conf.noLocalMedia': 'Phòng này chưa gửi được hình/tiếng: {problem}',
  'conf.enableSound': 'Bấm vào đây để bật âm thanh',
  'conf.onTcp': 'Hình/tiếng đang đi qua TCP; có thể trễ hơn khi mạng chậm.',
  'conf.onRelay':
    'Tường lửa chặn đường trực tiếp; hình/tiếng đang đi qua máy chủ chuyển tiếp (TURN, cổng 443). Nếu được, đề nghị bộ phận mạng mở cổng UDP/TCP tới máy chủ hội nghị.',
  'conf.audioOnly':
    'Đường truyền quá yếu để nhận hình: tạm dừng hình, vẫn giữ tiếng. Hình sẽ tự có lại khi mạng khá lên; hãy tạm dừng các máy khác đang tải trong cùng mạng.',

  'hub.focusHint': 'Bấm vào một điểm cầu để xem lớn',
  'hub.noBridges': 'Chưa có điểm cầu nào gửi hình',
  'hub.present': '{n}/{total} điểm cầu đang kết nối',
  'hub.hand': 'Giơ tay',
  'hub.hands': 'Đang giơ tay: {names}',
  'hub.muted': 'Bị tắt micro',
  'hub.mutedShort': 'tắt mic',
  'hub.unfocus': 'Bỏ xem lớn',

  'quality.good': 'Kết nối tốt',
  'quality.fair': 'Kết nối trung bình',
  'quality.poor': 'Kết nối kém',
  'quality.lost': 'Mất kết nối',
  'quality.unknown': 'Đang đo kết nối…',
  'quality.detail': 'Trễ {rtt} ms · mất gói {loss}% · nhận {in} kbit/s · gửi {out} kbit/s · {transport}',

  'reconnecting.title': 'Đang kết nối lại…',
  'reconnecting.server': 'Mất kết nối tới máy chủ. Trang đang tự thử lại (lần {n}); không cần thao tác gì.',
  'reconnecting.serverRestart': 'Máy chủ đang khởi động lại; trang sẽ tự kết nối lại.',
  'reconnecting.media': 'Đường truyền hình/tiếng bị gián đoạn; đang khôi phục…',
  'reconnecting.rebuild': 'Đang thiết lập lại hình và tiếng…',
  'reconnecting.mediaReset': 'Máy chủ đang khôi phục hình và tiếng của phòng; trang tự vào lại, không cần thao tác gì.',
  'reconnecting.operator': 'Điều hành viên yêu cầu kết nối lại; đang kết nối lại…',
  'reconnecting.retry': 'Chưa vào lại được ({detail}); đang thử lại…',

  'error.unauthorized.title': 'Đường dẫn không dùng được',
  'error.unauthorized': 'Đường dẫn không hợp lệ hoặc đã được cấp lại. Liên hệ điều hành viên để nhận đường dẫn mới.',
  'error.noToken.title': 'Thiếu mã truy cập',
  'error.noToken':
    'Đường dẫn thiếu mã truy cập. Mở đúng đường dẫn điều hành viên đã gửi (có phần «#token=…» ở cuối), hoặc liên hệ điều hành viên.',
  'error.takenOver.title': 'Điểm cầu đã được mở ở máy khác',
  'error.takenOver':
    'Điểm cầu này vừa được mở trên một máy khác, nên trang này đã ngắt kết nối. Nếu máy này là máy chính của phòng, bấm nút bên dưới.',
  'error.takenOver.action': 'Kết nối lại tại máy này',
  'error.linkReissued.title': 'Đường dẫn đã được cấp lại',
  'error.linkReissued':
    'Điều hành viên đã cấp đường dẫn mới cho điểm cầu này; đường dẫn cũ không dùng được nữa. Liên hệ điều hành viên để nhận đường dẫn mới.',
  'error.byOperator.title': 'Điều hành viên đã ngắt kết nối',
  'error.byOperator': 'Điều hành viên đã ngắt kết nối điểm cầu này. Khi được yêu cầu, bấm «Kết nối lại».',
  'error.byOperator.action': 'Kết nối lại',
  'error.left.title': 'Đã rời hội nghị',
  'error.left': 'Trang đã rời hội nghị.',
  'error.left.action': 'Vào lại',
  'error.unsupported.title': 'Trình duyệt không phù hợp',
  'error.unsupported':
    'Trình duyệt này không hỗ trợ hội nghị truyền hình ({detail}). Dùng Google Chrome, Cốc Cốc hoặc Microsoft Edge bản mới.',
} as const;

export type StringKey = keyof typeof vi;
type Strings = Record<StringKey, string>;

const en: Strings = {
  'app.title': 'Online briefing',
  'lang.switch': 'Tiếng Việt',
  'lang.switchTitle': 'Chuyển trang sang tiếng Việt',
  'phase.open': 'Open',
  'phase.rehearsal': 'Rehearsal',
  'phase.live': 'Live',

  'prejoin.heading': 'Get ready to join',
  'prejoin.connecting': 'Connecting to the server…',
  'prejoin.devices': 'Devices',
  'prejoin.previewOff': 'No picture from the camera yet',

  'device.camera': 'Camera',
  'device.mic': 'Microphone',
  'device.speaker': 'Speaker',
  'device.none': '(none)',
  'device.default': 'Computer default',
  'device.unnamed': '{kind} {n}',
  'device.testSpeaker': 'Test speaker',
  'device.speakerUnsupported': "This browser cannot choose the speaker; sound goes to the computer's default output.",
  'device.micLevel': 'Microphone level',
  'device.micHint': 'Speak into the microphone: the green bar should move.',
  'device.retry': 'Try again',
  'device.err.denied':
    'The browser is not allowed to use the {what}. Click the lock (or camera) icon left of the address bar, choose "Allow" for Camera and Microphone, then press "Try again".',
  'device.err.notFound':
    'No {what} found. Plug the {what} into the computer (USB), wait a few seconds, then press "Try again".',
  'device.err.busy':
    'The {what} is in use by another program (Zoom, Skype, another browser tab…). Close that program, then press "Try again".',
  'device.err.insecure':
    'This page was not opened over https, so the browser refuses the camera and microphone. Ask the operator for the https link.',
  'device.err.other': 'Cannot open the {what} ({detail}). Press "Try again"; if it still fails, choose another device.',
  'device.err.ended': 'The {what} was disconnected (unplugged or failed). Plug it back in, then press "Try again".',
  'device.whatCam': 'camera',
  'device.whatMic': 'microphone',
  'device.whatBoth': 'camera and microphone',
  'device.joinAnyway':
    'You can still join to see and hear the hub, but the other sites will not see or hear this room.',

  'check.heading': 'Network check',
  'check.again': 'Check again',
  'check.signaling': 'Conference server',
  'check.udp': 'Media over UDP',
  'check.tcp': 'Media over TCP',
  'check.uplink': 'Upload speed',
  'check.waiting': 'waiting',
  'check.running': 'checking…',
  'check.ok': 'open',
  'check.okRtt': 'open · {rtt} ms delay',
  'check.blocked': 'blocked',
  'check.unavailable': 'unavailable',
  'check.unreachable': 'unreachable',
  'check.skipped': 'skipped',
  'check.kbps': '≈ {kbps} kbit/s',
  'check.unknown': 'not measured',
  'check.verdict': 'Network: {verdict}',
  'verdict.good': 'good',
  'verdict.fair': 'usable',
  'verdict.poor': 'poor',
  'advice.good': 'The network is good enough for the conference. Press "Join the conference".',
  'advice.udpBlocked':
    'The network blocks UDP; the system will use TCP. Picture and sound still work but lag more on a slow network. If possible, ask the network staff to open UDP port {ports} to the server.',
  'advice.udpUnavailable':
    'UDP to the server is unavailable (the server accepts TCP only); the system will use TCP. Picture and sound still work but lag more on a slow network.',
  'advice.noMedia':
    'Picture and sound cannot reach the server (neither UDP nor TCP gets through). Ask the network staff to open port {ports} to the server, then press "Check again". You can still try to join.',
  'advice.slowUplink':
    'The upload speed is low (about {kbps} kbit/s; about 800 is needed). Pause other computers downloading or watching video on this network; this room’s picture may be reduced.',
  'advice.highRtt':
    'High delay ({rtt} ms). Sound and picture may arrive late; ask the network staff to check the line.',
  'advice.noServer':
    'Cannot reach the conference server. Check the network cable and the Internet; the page keeps retrying.',
  'advice.portsServer': 'of the conference server',

  'join.button': 'Join the conference',
  'join.joining': 'Joining…',
  'join.waitingServer': 'Waiting for the server…',

  'conf.self': 'Your room',
  'conf.floorBanner': 'You have the floor',
  'conf.floorOther': 'Speaking: {name}',
  'conf.waitingVideo': 'Waiting for the picture from {name}…',
  'conf.notConnected': '{name} is not connected',
  'conf.micOff': 'Mute microphone',
  'conf.micOn': 'Unmute microphone',
  'conf.camOff': 'Turn camera off',
  'conf.camOn': 'Turn camera on',
  'conf.handRaise': 'Raise hand to speak',
  'conf.handLower': 'Lower hand',
  'conf.handUp': 'Hand raised — waiting for the hub to give you the floor.',
  'conf.mutedByOperator': 'The operator has muted this room.',
  'conf.micMuted': 'This room’s microphone is off.',
  'conf.camMuted': 'This room’s camera is off.',
  'conf.noLocalMedia': 'This room is not sending picture/sound: {problem}',
  'conf.enableSound': 'Click here to turn on the sound',
  'conf.onTcp': 'Picture and sound go over TCP; they may lag on a slow network.',
  'conf.onRelay':
    'The firewall blocks the direct path; picture and sound go through the relay server (TURN, port 443). If possible, ask the network staff to open UDP/TCP to the conference server.',
  'conf.audioOnly':
    'The link is too weak for video: the picture is paused, the sound goes on. The picture comes back by itself when the network improves; pause other downloads on the same network.',

  'hub.focusHint': 'Click a bridge to watch it large',
  'hub.noBridges': 'No bridge is sending video yet',
  'hub.present': '{n}/{total} bridges connected',
  'hub.hand': 'Hand raised',
  'hub.hands': 'Hands raised: {names}',
  'hub.muted': 'Muted',
  'hub.mutedShort': 'muted',
  'hub.unfocus': 'Stop watching large',

  'quality.good': 'Good connection',
  'quality.fair': 'Fair connection',
  'quality.poor': 'Poor connection',
  'quality.lost': 'Connection lost',
  'quality.unknown': 'Measuring the connection…',
  'quality.detail': 'Delay {rtt} ms · loss {loss}% · in {in} kbit/s · out {out} kbit/s · {transport}',

  'reconnecting.title': 'Reconnecting…',
  'reconnecting.server':
    'Lost the connection to the server. The page is retrying by itself (attempt {n}); nothing to do.',
  'reconnecting.serverRestart': 'The server is restarting; the page will reconnect by itself.',
  'reconnecting.media': 'Picture and sound were interrupted; restoring…',
  'reconnecting.rebuild': 'Setting up picture and sound again…',
  'reconnecting.mediaReset': 'The server is restoring this room’s picture and sound; the page rejoins by itself.',
  'reconnecting.operator': 'The operator asked this room to reconnect; reconnecting…',
  'reconnecting.retry': 'Could not rejoin yet ({detail}); trying again…',

  'error.unauthorized.title': 'This link cannot be used',
  'error.unauthorized': 'This link is invalid or has been re-issued. Contact the operator for a new link.',
  'error.noToken.title': 'Access code missing',
  'error.noToken':
    'The link has no access code. Open exactly the link the operator sent (it ends with "#token=…"), or contact the operator.',
  'error.takenOver.title': 'This site was opened on another computer',
  'error.takenOver':
    'This site was just opened on another computer, so this page was disconnected. If this is the room’s main computer, press the button below.',
  'error.takenOver.action': 'Reconnect on this computer',
  'error.linkReissued.title': 'The link was re-issued',
  'error.linkReissued':
    'The operator issued a new link for this site; the old one no longer works. Contact the operator for the new link.',
  'error.byOperator.title': 'Disconnected by the operator',
  'error.byOperator': 'The operator disconnected this site. When asked to, press "Reconnect".',
  'error.byOperator.action': 'Reconnect',
  'error.left.title': 'Left the conference',
  'error.left': 'This page left the conference.',
  'error.left.action': 'Join again',
  'error.unsupported.title': 'Unsuitable browser',
  'error.unsupported':
    'This browser does not support video conferencing ({detail}). Use a recent Google Chrome, Cốc Cốc or Microsoft Edge.',
};

const tables: Record<Lang, Strings> = { vi, en };

/** A placeholder's value: text, a number, or another string of the table (translated too). */
export type Param = string | number | { readonly key: StringKey };
export type Params = Record<string, Param>;

const paramText = (p: Param): string => (typeof p === 'object' ? t(p.key) : String(p));

/**
 * The string for `key` in the current language, with {name} placeholders filled in. {Name}
 * takes the value of `name` with a capital first letter (for a sentence that starts with it).
 */
export function t(key: StringKey, params: Params = {}): string {
  return tables[getLang()][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value !== undefined) return paramText(value);
    const lower = params[name.charAt(0).toLowerCase() + name.slice(1)];
    if (lower === undefined) return whole;
    const text = paramText(lower);
    return text.charAt(0).toUpperCase() + text.slice(1);
  });
}

/** A message that is translated when shown, so a language switch also changes it. */
export interface Message {
  readonly key: StringKey;
  readonly params?: Params;
}

export const render = (m: Message): string => t(m.key, m.params);

/** Fill every [data-i18n] element's text (and [data-i18n-title] titles) under root. */
export function translateDom(root: ParentNode): void {
  translateDomWith(root, (key) => t(key as StringKey));
}
