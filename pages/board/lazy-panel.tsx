// A panel used a few times a day (the schedule, the call list, the recordings) is fetched the
// first time it opens, so its code is not in the board's first load (a branch office link is
// slow; the board must show the 64 sites at once). Until then: an empty, hidden frame with the
// panel's id and class, so the page's layout and links to it hold.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export interface LazyPanelProps {
  readonly open: boolean;
  readonly load: () => Promise<ComponentType>;
  readonly id: string;
  readonly className: string;
  /** For the hidden frame; the panel has its own. */
  readonly label?: string;
}

export function LazyPanel({ open, load, id, className, label }: LazyPanelProps) {
  const [Panel, setPanel] = useState<{ component: ComponentType } | null>(null);
  useEffect(() => {
    if (!open || Panel) return;
    load().then(
      (component) => setPanel({ component }),
      (err: unknown) => console.error(`the ${id} panel did not load`, err),
    );
  }, [open, Panel, load, id]);
  if (!Panel) return <aside class={className} id={id} hidden aria-label={label} />;
  return <Panel.component />;
}
