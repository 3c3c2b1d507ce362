// The sign-in form: the operator token, typed here (a wall screen gets it in its address
// instead, auth.ts). The form stays in the page while signed in (hidden by style.css), so
// signing out shows it at once.
import { useEffect, useRef } from 'preact/hooks';
import { t } from './i18n.js';
import { loginFocus, loginMessage, signIn } from './sign-in.js';

export function LoginScreen() {
  const input = useRef<HTMLInputElement>(null);
  const focus = loginFocus.value;
  useEffect(() => {
    if (!focus || !input.current) return;
    input.current.value = '';
    input.current.focus();
  }, [focus]);
  const m = loginMessage.value;
  return (
    <section class="login-screen">
      <form
        class="login-box"
        id="login"
        autocomplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          const token = input.current?.value.trim();
          if (token) void signIn(token);
        }}
      >
        <h1>{t('login.heading')}</h1>
        <label for="token-input">{t('login.label')}</label>
        <input
          id="token-input"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          ref={input}
        />
        <button type="submit" class="primary">
          {t('login.submit')}
        </button>
        <p class="login-message" id="login-message" role="alert" hidden={!m} data-error={String(m?.error ?? false)}>
          {m ? t(m.key, m.params) : ''}
        </p>
        <p class="hint">{t('login.hint')}</p>
      </form>
    </section>
  );
}
