// The operator's live status board at /board: sign in with the operator token, then watch all
// 64 sites and act on them. body[data-state] is 'login' | 'connected' | 'reconnecting' (tests
// and a wall screen's watchdog read it); each tile carries data-site-id and data-state.

import { ApiError, OperatorApi } from './api.js';
import { forgetToken, initialToken, keepToken, LoginForm } from './auth.js';
import { Board, type BoardState } from './board.js';
import { byId } from './dom.js';
import { getLang, onLangChange, setLang, translateDom } from './i18n.js';

type PageState = 'login' | BoardState;

const RETRY_MS = 3000;

let board: Board | undefined;
/** Each sign-in attempt gets a number, so a slow earlier one cannot overtake a newer one. */
let attempt = 0;

const setState = (state: PageState) => {
  document.body.dataset.state = state;
};

const login = new LoginForm(byId('login'), byId('token-input'), byId('login-message'), (token) => void signIn(token));

function refused(): void {
  forgetToken();
  board?.close();
  board = undefined;
  setState('login');
  login.say('login.wrong', {}, true);
  login.focus();
}

async function signIn(token: string): Promise<void> {
  const mine = ++attempt;
  board?.close();
  board = undefined;
  setState('login');
  login.say('login.checking');
  const api = new OperatorApi(token);
  for (;;) {
    try {
      const roster = await api.sites();
      if (mine !== attempt) return;
      keepToken(token);
      login.say(null);
      // Until the socket is up the board shows the REST snapshot, not live data.
      setState('reconnecting');
      board = new Board(token, api, roster, { refused, state: setState });
      return;
    } catch (err) {
      if (mine !== attempt) return;
      if (err instanceof ApiError && err.status === 401) {
        refused();
        return;
      }
      login.say('login.unreachable', { detail: (err as Error).message }, true);
      await new Promise((r) => setTimeout(r, RETRY_MS));
      if (mine !== attempt) return;
    }
  }
}

byId('lang-switch').addEventListener('click', () => setLang(getLang() === 'vi' ? 'en' : 'vi'));
onLangChange(() => {
  translateDom(document);
  login.render();
  board?.relabel();
});
byId('logout').addEventListener('click', () => {
  attempt++;
  forgetToken();
  board?.close();
  board = undefined;
  setState('login');
  login.say(null);
  login.focus();
});

translateDom(document);
setState('login');
const token = initialToken();
if (token) void signIn(token);
else login.focus();
