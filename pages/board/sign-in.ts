// Signing in and out of the board. The operator token is typed into the sign-in form or given
// to a wall screen in the address (auth.ts); each attempt reads the roster and the server's
// time zone, then opens a Board. body[data-state] follows `pageState`: 'login' | 'connected' |
// 'reconnecting' (tests and a wall screen's watchdog read it).
import { effect, signal } from '@preact/signals';
import { ApiError, OperatorApi } from './api.js';
import { forgetToken, keepToken } from './auth.js';
import { Board, type BoardState } from './board.js';
import { timeZone } from './format.js';
import type { StringKey } from './i18n.js';
import { AlertSound } from './sound.js';

export type PageState = 'login' | BoardState;

export interface LoginMessage {
  readonly key: StringKey;
  readonly params: Record<string, string>;
  readonly error: boolean;
}

const RETRY_MS = 3000;

export const pageState = signal<PageState>('login');
export const board = signal<Board | null>(null);
export const loginMessage = signal<LoginMessage | null>(null);
/** Bumped when the sign-in form should be emptied and focused. */
export const loginFocus = signal(0);
/** One for the page: the operator's choice and the browser's unlock outlive a sign-out. */
export const sound = new AlertSound();

effect(() => {
  document.body.dataset.state = pageState.value;
});

/** Each sign-in attempt gets a number, so a slow earlier one cannot overtake a newer one. */
let attempt = 0;

const say = (key: StringKey | null, params: Record<string, string> = {}, error = false) => {
  loginMessage.value = key ? { key, params, error } : null;
};

function closeBoard(): void {
  board.peek()?.close();
  board.value = null;
  pageState.value = 'login';
}

function refused(): void {
  forgetToken();
  closeBoard();
  say('login.wrong', {}, true);
  loginFocus.value++;
}

export async function signIn(token: string): Promise<void> {
  const mine = ++attempt;
  closeBoard();
  say('login.checking');
  const api = new OperatorApi(token);
  for (;;) {
    try {
      const roster = await api.sites();
      const conference = await api.conference();
      if (mine !== attempt) return;
      keepToken(token);
      say(null);
      timeZone.value = conference.timeZone;
      // Until the socket is up the board shows the REST snapshot, not live data.
      pageState.value = 'reconnecting';
      board.value = new Board(token, api, roster, sound, {
        refused,
        state: (state) => {
          pageState.value = state;
        },
      });
      return;
    } catch (err) {
      if (mine !== attempt) return;
      if (err instanceof ApiError && err.status === 401) {
        refused();
        return;
      }
      say('login.unreachable', { detail: (err as Error).message }, true);
      await new Promise((r) => setTimeout(r, RETRY_MS));
      if (mine !== attempt) return;
    }
  }
}

export function signOut(): void {
  attempt++;
  forgetToken();
  closeBoard();
  say(null);
  loginFocus.value++;
}
