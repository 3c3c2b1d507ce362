// The operator token: typed into the sign-in form, or given to a wall screen in the address's
// fragment (#token=…, never sent to the server in a request line). Kept in sessionStorage, so
// it lives as long as this tab and no longer.

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
