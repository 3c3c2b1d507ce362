// The page language, shared by the technician's page and the board: Vietnamese unless the user
// chose English, remembered in localStorage (both pages share the choice on one machine).
export type Lang = 'vi' | 'en';

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

/**
 * Fill every [data-i18n] element's text (and [data-i18n-title] titles) under root with the
 * page's own translation function.
 */
export function translateDomWith(root: ParentNode, translate: (key: string) => string): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = translate(el.dataset.i18n ?? '');
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    el.title = translate(el.dataset.i18nTitle ?? '');
  }
  document.documentElement.lang = lang;
}
