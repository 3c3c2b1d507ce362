// The rehearsal's checks as codes with parameters, and their words in Vietnamese and English:
// the server stores codes, the board and the printed report translate them, and each check's
// text says what was measured and what to do. Pure data, so the pages bundle it.

export const checkNames = [
  'signaling',
  'ice',
  'audio-sent',
  'video-sent',
  'hub-received',
  'rtt',
  'loss',
  'jitter',
  'confirmed',
] as const;
export type CheckName = (typeof checkNames)[number];

/** ok: passed; warn: passed, with something worth telling; fail: must be fixed before the day. */
export type CheckSeverity = 'ok' | 'warn' | 'fail';

export type CheckParams = Readonly<Record<string, string | number>>;

type Lang = 'vi' | 'en';

const words = {
  en: {
    'signaling.ok': 'connected to the server',
    'signaling.absent': 'the site did not connect during the rehearsal',
    'ice.udp': 'media connected over UDP',
    'ice.tcp': 'media connected over TCP (UDP unavailable: the firewall may block it)',
    'ice.failed': 'media did not connect (ICE {ice}, DTLS {dtls}): check the firewall allows the media ports',
    'audio.ok': "the server receives the site's audio ({kbps} kbit/s)",
    'audio.quiet':
      'the microphone sends, but the room was quiet during the check; speak into it to be sure it is heard',
    'audio.muted': 'the microphone is muted at the site',
    'audio.none': 'no audio reaches the server ({kbps} kbit/s, {pps} packets/s): check the microphone',
    'audio.missing': 'the site sends no microphone: check that one is plugged in and allowed',
    'video.ok': "the server receives the site's video ({kbps} kbit/s)",
    'video.low':
      'no video reaches the server ({kbps} kbit/s < {min}): check the camera and that it is not switched off',
    'video.off': 'the camera is switched off at the site',
    'video.none':
      'no video reaches the server ({kbps} kbit/s < {min}): check the camera and that it is not switched off',
    'video.missing': 'the site sends no camera: check that one is plugged in and allowed',
    'hub.ok': "the site receives the hub's audio and video ({kbps} kbit/s)",
    'hub.okPage': "the site receives the hub's audio and video ({kbps} kbit/s, confirmed by the page)",
    'hub.none': 'the site does not receive the hub ({kbps} kbit/s sent to it < {min})',
    'hub.notPlaying': 'the server sends the hub, but the page plays no {kind}: check the speakers and the page',
    'hub.notChecked': 'not checked: the hub was not sending during the check',
    'rtt.ok': 'RTT {ms} ms',
    'rtt.high': 'RTT {ms} ms ≥ {max} ms: the link is slow',
    'rtt.busy': 'RTT {ms} ms ≥ {max} ms, while the computer is overloaded ({cause}): close other programs',
    'rtt.unknown': 'round-trip time could not be measured',
    'loss.ok': 'loss {pct} %',
    'loss.high': 'loss {pct} % ≥ {max} %: the link drops packets',
    'loss.busy':
      'loss {pct} % ≥ {max} %, while the computer is overloaded ({cause}): the computer, not the link, drops them; close other programs',
    'loss.unknown': 'loss could not be measured',
    'jitter.ok': 'jitter {ms} ms',
    'jitter.high': 'jitter {ms} ms ≥ {max} ms: the link is unsteady',
    'jitter.busy': 'jitter {ms} ms ≥ {max} ms, while the computer is overloaded ({cause}): close other programs',
    'jitter.none': 'no jitter measured (nothing sent)',
    'confirmed.ok': 'the technician hears and sees the hub',
    'confirmed.noAudio': 'the technician does not hear the hub',
    'confirmed.noVideo': 'the technician does not see the hub',
    'confirmed.neither': 'the technician neither hears nor sees the hub',
    'cause.cpu': 'the encoder is limited by the CPU',
    'cause.pressure': 'the browser reports CPU pressure',
    'cause.frames': '{pct} % of video frames dropped',
  },
  vi: {
    'signaling.ok': 'đã kết nối tới máy chủ',
    'signaling.absent': 'điểm cầu không kết nối trong buổi kiểm tra',
    'ice.udp': 'hình/tiếng kết nối qua UDP',
    'ice.tcp': 'hình/tiếng kết nối qua TCP (không dùng được UDP: tường lửa có thể đang chặn)',
    'ice.failed':
      'hình/tiếng không kết nối được (ICE {ice}, DTLS {dtls}): đề nghị bộ phận mạng mở các cổng media tới máy chủ',
    'audio.ok': 'máy chủ nhận được tiếng của điểm cầu ({kbps} kbit/s)',
    'audio.quiet': 'micro có gửi, nhưng phòng im lặng trong lúc kiểm tra; hãy nói thử vào micro để chắc chắn',
    'audio.muted': 'micro đang tắt tại điểm cầu',
    'audio.none': 'máy chủ không nhận được tiếng ({kbps} kbit/s, {pps} gói/giây): kiểm tra micro',
    'audio.missing': 'điểm cầu không gửi micro: kiểm tra micro đã cắm và được trình duyệt cho phép',
    'video.ok': 'máy chủ nhận được hình của điểm cầu ({kbps} kbit/s)',
    'video.low': 'máy chủ không nhận đủ hình ({kbps} kbit/s < {min}): kiểm tra camera và chắc chắn camera không bị tắt',
    'video.off': 'camera đang tắt tại điểm cầu',
    'video.none':
      'máy chủ không nhận được hình ({kbps} kbit/s < {min}): kiểm tra camera và chắc chắn camera không bị tắt',
    'video.missing': 'điểm cầu không gửi camera: kiểm tra camera đã cắm và được trình duyệt cho phép',
    'hub.ok': 'điểm cầu nhận được hình và tiếng của Trung ương ({kbps} kbit/s)',
    'hub.okPage': 'điểm cầu nhận được hình và tiếng của Trung ương ({kbps} kbit/s, trang xác nhận)',
    'hub.none': 'điểm cầu không nhận được Trung ương ({kbps} kbit/s < {min})',
    'hub.notPlaying': 'máy chủ có gửi Trung ương, nhưng trang không phát {kind}: kiểm tra loa và trang',
    'hub.notChecked': 'chưa kiểm tra: Trung ương không gửi hình/tiếng trong lúc kiểm tra',
    'rtt.ok': 'độ trễ {ms} ms',
    'rtt.high': 'độ trễ {ms} ms ≥ {max} ms: đường truyền chậm',
    'rtt.busy': 'độ trễ {ms} ms ≥ {max} ms khi máy tính quá tải ({cause}): tắt bớt các chương trình khác',
    'rtt.unknown': 'không đo được độ trễ',
    'loss.ok': 'mất gói {pct} %',
    'loss.high': 'mất gói {pct} % ≥ {max} %: đường truyền bị rớt gói',
    'loss.busy':
      'mất gói {pct} % ≥ {max} % khi máy tính quá tải ({cause}): do máy tính, không phải đường truyền; tắt bớt các chương trình khác',
    'loss.unknown': 'không đo được tỉ lệ mất gói',
    'jitter.ok': 'độ dao động {ms} ms',
    'jitter.high': 'độ dao động {ms} ms ≥ {max} ms: đường truyền không ổn định',
    'jitter.busy': 'độ dao động {ms} ms ≥ {max} ms khi máy tính quá tải ({cause}): tắt bớt các chương trình khác',
    'jitter.none': 'không đo được độ dao động (không có dữ liệu gửi)',
    'confirmed.ok': 'kỹ thuật viên nghe và thấy Trung ương',
    'confirmed.noAudio': 'kỹ thuật viên không nghe thấy Trung ương',
    'confirmed.noVideo': 'kỹ thuật viên không thấy hình Trung ương',
    'confirmed.neither': 'kỹ thuật viên không nghe và không thấy Trung ương',
    'cause.cpu': 'bộ mã hóa bị giới hạn bởi CPU',
    'cause.pressure': 'trình duyệt báo CPU quá tải',
    'cause.frames': 'bỏ {pct} % khung hình',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type CheckCode = Exclude<keyof (typeof words)['en'], `cause.${string}`>;
export type BusyCause = Extract<keyof (typeof words)['en'], `cause.${string}`>;

export const checkTitles: Record<Lang, Record<CheckName, string>> = {
  en: {
    signaling: 'Server connection',
    ice: 'Media connection',
    'audio-sent': 'Sends audio',
    'video-sent': 'Sends video',
    'hub-received': 'Receives the hub',
    rtt: 'Delay (RTT)',
    loss: 'Packet loss',
    jitter: 'Jitter',
    confirmed: 'Technician confirms',
  },
  vi: {
    signaling: 'Kết nối máy chủ',
    ice: 'Kết nối media',
    'audio-sent': 'Gửi âm thanh',
    'video-sent': 'Gửi hình ảnh',
    'hub-received': 'Nhận điểm cầu Trung ương',
    rtt: 'Độ trễ (RTT)',
    loss: 'Mất gói',
    jitter: 'Độ dao động (jitter)',
    confirmed: 'Kỹ thuật viên xác nhận',
  },
};

const kindWords: Record<Lang, Record<string, string>> = {
  en: { audio: 'audio', video: 'video' },
  vi: { audio: 'tiếng', video: 'hình' },
};

function fill(template: string, params: CheckParams, lang: Lang): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key];
    if (v === undefined) return `{${key}}`;
    if (key === 'kind') return kindWords[lang][String(v)] ?? String(v);
    if (key === 'cause') {
      const cause = `cause.${String(v)}` as BusyCause;
      return cause in words[lang] ? fill(words[lang][cause], params, lang) : String(v);
    }
    return String(v);
  });
}

/** A code as read back from the store or the wire: one this module has words for. */
export function isCheckCode(code: string): code is CheckCode {
  return Object.hasOwn(words.en, code) && !code.startsWith('cause.');
}

/** A check's words: what was measured and what to do, in the given language. */
export function checkText(code: CheckCode, params: CheckParams, lang: Lang): string {
  const template: string | undefined = words[lang][code];
  return template === undefined ? code : fill(template, params, lang);
}

export function checkTitle(name: string, lang: Lang): string {
  return (checkTitles[lang] as Record<string, string>)[name] ?? name;
}
