// What a recording of the briefing shows and lets be heard: what the bridges see. Pure, so the
// rule can be read and tested on its own (as topology.ts is for who receives what):
// - video: the floor holder's camera while a site holds the floor and sends it; else the hub's;
// - audio: what goes to everyone, the hub's microphone and the floor holder's.
// A paused producer is left out: it sends nothing, and the recorder would wait on it (a mix
// needs both inputs; a file cannot start without a picture to size itself by).
import type { MediaKind, MediaSource, SiteRole } from '../contract/index.js';

/** A producer in the conference (local, or relayed from another node), as a recording sees it. */
export interface RecordableSource {
  readonly siteId: string;
  readonly role: SiteRole;
  readonly source: MediaSource;
  readonly kind: MediaKind;
  readonly producerId: string;
  readonly paused: boolean;
}

export interface RecordingView<S extends RecordableSource = RecordableSource> {
  readonly video: S | null;
  /** The hub's first, then the floor holder's. */
  readonly audio: readonly S[];
}

export function recordingView<S extends RecordableSource>(
  sources: readonly S[],
  floor: string | null,
): RecordingView<S> {
  const live = (pick: (s: S) => boolean, source: MediaSource) =>
    sources.find((s) => pick(s) && s.source === source && !s.paused) ?? null;
  const isHub = (s: S) => s.role === 'hub';
  // The hub presides and never holds the floor (the briefing refuses it); guard anyway.
  const isFloor = (s: S) => floor !== null && s.siteId === floor && s.role !== 'hub';
  const video = live(isFloor, 'cam') ?? live(isHub, 'cam');
  const audio = [live(isHub, 'mic'), live(isFloor, 'mic')].filter((s): s is S => s !== null);
  return { video, audio };
}

/** The producers a view records, as one string: a new file is needed when it changes. */
export function viewKey(v: RecordingView): string {
  return [v.video?.producerId ?? '-', ...v.audio.map((s) => s.producerId)].join(' ');
}

/** Whether two views record the same producers. */
export function sameView(a: RecordingView, b: RecordingView): boolean {
  return viewKey(a) === viewKey(b);
}

export function isEmptyView(v: RecordingView): boolean {
  return v.video === null && v.audio.length === 0;
}

/** The view in plain site ids, for the record and the log. */
export function describeView(v: RecordingView): { video: string | null; audio: string[] } {
  return { video: v.video?.siteId ?? null, audio: v.audio.map((s) => s.siteId) };
}
