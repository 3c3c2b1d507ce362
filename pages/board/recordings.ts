// The briefing's recordings on the board: the list (GET /api/recordings), read when the panel
// opens and every few seconds while it stays open (recordings are not pushed on the socket),
// start and stop, and each segment's download. One list per signed-in board.
import { computed, signal } from '@preact/signals';
import { failureText } from './actions.js';
import type { OperatorApi, RecordingView } from './api.js';
import type { Board } from './board.js';
import { saveFile } from './files.js';
import { t } from './i18n.js';
import { SidePanel } from './side-panel.js';

export interface Outcome {
  readonly ok: boolean;
  /** Worded when shown, so a language switch rewords it. */
  readonly text: () => string;
}

export class RecordingList extends SidePanel {
  /** Newest first; null until read. */
  readonly list = signal<readonly RecordingView[] | null>(null);
  readonly busy = signal(false);
  readonly outcome = signal<Outcome | null>(null);
  /** The recording running now, if any (as last read). */
  readonly running = computed(() => this.list.value?.find((r) => r.state === 'recording') ?? null);

  constructor(readonly api: OperatorApi) {
    super();
  }

  protected async read(): Promise<void> {
    this.list.value = await this.api.recordings();
  }

  #put(r: RecordingView): void {
    const rest = (this.list.peek() ?? []).filter((x) => x.id !== r.id);
    this.list.value = [r, ...rest].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async #act(run: () => Promise<Outcome>): Promise<void> {
    if (this.busy.peek()) return;
    this.busy.value = true;
    try {
      this.outcome.value = await run();
    } finally {
      this.busy.value = false;
    }
  }

  start(): Promise<void> {
    return this.#act(async () => {
      try {
        const r = await this.api.startRecording();
        this.#put(r);
        return { ok: true, text: () => t('rec.started', { id: r.id }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('rec.startFailed', { message }) };
      }
    });
  }

  stop(id: string): Promise<void> {
    return this.#act(async () => {
      try {
        const r = await this.api.stopRecording(id);
        this.#put(r);
        return { ok: true, text: () => t('rec.stopped', { id }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('rec.stopFailed', { message }) };
      }
    });
  }

  download(id: string, n: number): Promise<void> {
    return this.#act(async () => {
      try {
        const file = await this.api.recordingSegment(id, n);
        const name = file.filename ?? `giao-ban-${id}-${n}.webm`;
        saveFile(file.blob, name);
        return { ok: true, text: () => t('rec.downloaded', { file: name }) };
      } catch (err) {
        const message = failureText(err);
        return { ok: false, text: () => t('rec.downloadFailed', { message }) };
      }
    });
  }
}

const lists = new WeakMap<Board, RecordingList>();

/** The board's recording list (made when first asked for). */
export function recordingsOf(board: Board): RecordingList {
  let list = lists.get(board);
  if (!list) {
    list = new RecordingList(board.api);
    lists.set(board, list);
  }
  return list;
}

/** "1:02:03" or "2:03". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "4,5 MB" (Vietnamese) or "4.5 MB". */
export function size(bytes: number, locale: string): string {
  const mb = bytes / (1024 * 1024);
  return `${mb.toLocaleString(locale, { maximumFractionDigits: mb < 10 ? 1 : 0 })} MB`;
}
