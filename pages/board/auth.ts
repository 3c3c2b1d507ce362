// The operator token: typed into the sign-in form, or given to a wall screen in the address's
// fragment (#token=…, never sent to the server in a request line). Kept in sessionStorage, so
// it lives as long as this tab and no longer.
import { show } from './dom.js';
import { type StringKey, t } from './i18n.js';

const TOKEN_KEY = 'giaoBan.operatorToken';

/** sessionStorage, or nothing when it is disabled (the token then lasts for this page load). */
function storage(): Storage | undefined {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
}

/** The token from the address (then removed from it) or from this tab's storage. */
export function initialToken(): string | undefined {
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromAddress) {
    // Out of the address bar: not shown on the wall, not copied with the address.
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromAddress;
  }
  return storage()?.getItem(TOKEN_KEY) ?? undefined;
}

export function keepToken(token: string): void {
  try {
    storage()?.setItem(TOKEN_KEY, token);
  } catch {
    // storage full or disabled: the token lasts for this page load
  }
}

export function forgetToken(): void {
  storage()?.removeItem(TOKEN_KEY);
}

export class LoginForm {
  #message: { key: StringKey; params: Record<string, string> } | null = null;

  constructor(
    readonly form: HTMLFormElement,
    readonly input: HTMLInputElement,
    readonly messageBox: HTMLElement,
    onToken: (token: string) => void,
  ) {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (token) onToken(token);
    });
  }

  say(key: StringKey | null, params: Record<string, string> = {}, error = false): void {
    this.#message = key ? { key, params } : null;
    this.messageBox.dataset.error = String(error);
    this.render();
  }

  render(): void {
    show(this.messageBox, Boolean(this.#message));
    this.messageBox.textContent = this.#message ? t(this.#message.key, this.#message.params) : '';
  }

  focus(): void {
    this.input.value = '';
    this.input.focus();
  }
}
