// The board's icons as inline SVG: the PCs of the time (and this server's Chromium) have no
// colour emoji font, so 🎤 or ✋ would show as empty boxes.
const paths = {
  floor: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M8 21h8',
  hand: 'M8 13V6.5a1.5 1.5 0 0 1 3 0V11m0-5.5V4.5a1.5 1.5 0 0 1 3 0V11m0-5a1.5 1.5 0 0 1 3 0v6m0-3a1.5 1.5 0 0 1 3 0v5a7 7 0 0 1-7 7h-.5a7 7 0 0 1-5.6-2.8L4.6 14.6a1.6 1.6 0 0 1 2.6-1.9L8 14',
  muted: 'M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6',
  selfMuted: 'M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5 11a7 7 0 0 0 14 0M12 18v3M3 3l18 18',
  reconnecting: 'M20 11a8 8 0 0 0-14.9-3M4 3v5h5M4 13a8 8 0 0 0 14.9 3M20 21v-5h-5',
  flapping: 'M13 2 4 14h7l-1 8 9-12h-7z',
  audioOnly: 'M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M19 6a8 8 0 0 1 0 12',
  relay: 'M4 12h5M15 12h5M9 8h6v8H9zM18 9l3 3-3 3',
  bell: 'M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21a2 2 0 0 0 4 0',
  bellOff: 'M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21a2 2 0 0 0 4 0M3 3l18 18',
  warning: 'M12 3 2 20h20zM12 10v4M12 17v.5',
  /** A checklist with a cross: the site failed (or missed) the last rehearsal. */
  rehearsalFailed: 'M9 3h6v3H9zM9 4.5H5v16.5h14V4.5h-4M9.5 11l5 5M14.5 11l-5 5',
  calendar: 'M4 6h16v15H4zM4 10h16M8 3v5M16 3v5',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  print: 'M7 9V3h10v6M7 17H4V9h16v8h-3M7 14h10v7H7z',
} as const;
export type IconName = keyof typeof paths;

/** Decorative unless it has a title, which then names it for a screen reader and a tooltip. */
export function Icon({ name, title }: { name: IconName; title?: string }) {
  const cls = `icon icon-${name}`;
  if (!title) {
    return (
      <svg viewBox="0 0 24 24" class={cls} aria-hidden="true">
        <path d={paths[name]} />
      </svg>
    );
  }
  return (
    <svg viewBox="0 0 24 24" class={cls} role="img" aria-label={title}>
      <title>{title}</title>
      <path d={paths[name]} />
    </svg>
  );
}
