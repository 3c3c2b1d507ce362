// Files the board fetches with the operator token (a plain link cannot send the header): a
// download is handed to the browser through an object URL; the printable report is shown in a
// window of its own, from a blob: URL.

/** Revoke an object URL only after the browser has surely read it. */
const REVOKE_AFTER_MS = 60_000;
const LOAD_TIMEOUT_MS = 15_000;

/** Hand a blob to the browser as a download named `filename`. */
export function saveFile(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/**
 * An empty window, opened while the click is being handled (popup blockers let only those
 * through; the report is fetched after). Null when the browser blocked it anyway.
 */
export function openBlankWindow(): Window | null {
  return window.open('', '_blank');
}

/**
 * Show an HTML page in `win` from a blob: URL. Such a document inherits the board's
 * Content-Security-Policy (style-src 'self'), which refuses the page's inline <style>; so the
 * style is taken out here and given to the window as a constructed stylesheet, which that policy
 * does not govern. The page is not printed from here: window.print() would pause this board's
 * scripts (same process) for as long as the print dialog stays open.
 */
export async function showPage(win: Window, html: string): Promise<void> {
  // Cut out as text: even parsing it with DOMParser would apply (and report) the refused style.
  const styles: string[] = [];
  const page = html.replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_whole, css: string) => {
    styles.push(css);
    return '';
  });
  const url = URL.createObjectURL(new Blob([page], { type: 'text/html;charset=utf-8' }));
  win.location.href = url;
  await loaded(win, url);
  const Sheet = (win as unknown as { CSSStyleSheet: typeof CSSStyleSheet }).CSSStyleSheet;
  const sheet = new Sheet(); // of the window's own realm: a document adopts only those
  sheet.replaceSync(styles.join('\n'));
  win.document.adoptedStyleSheets = [sheet];
  win.focus();
  // Kept while the window shows it (its reload reads it again); freed when it goes.
  win.addEventListener('pagehide', () => setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS), {
    once: true,
  });
}

/** Until `win` shows `url` with its document parsed (it is same-origin: a blob of this page). */
function loaded(win: Window, url: string): Promise<void> {
  const deadline = Date.now() + LOAD_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (win.closed) return reject(new Error('the window was closed'));
      if (win.document.URL === url && win.document.readyState !== 'loading') return resolve();
      if (Date.now() > deadline) return reject(new Error('the window did not load the report'));
      setTimeout(check, 50);
    };
    check();
  });
}
