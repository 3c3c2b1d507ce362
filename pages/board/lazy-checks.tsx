// A rehearsal's checks in the site detail, worded by contract/checks.ts (both languages of every
// check's words): fetched the first time a detail shows checks, not in the board's first load.
import { useEffect, useState } from 'preact/hooks';
import type { CheckListProps } from './checks.js';

type CheckListView = typeof import('./checks.js').CheckList;

let loading: Promise<CheckListView> | undefined;

export function LazyCheckList(props: CheckListProps) {
  const [View, setView] = useState<{ component: CheckListView } | null>(null);
  useEffect(() => {
    loading ??= import('./checks.js').then((m) => m.CheckList);
    loading.then(
      (component) => setView({ component }),
      (err: unknown) => console.error('the checks did not load', err),
    );
  }, []);
  return View ? <View.component {...props} /> : null;
}
