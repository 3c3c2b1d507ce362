// When the conference is not running normally: the overlay while the connection comes back,
// and the error box when the client stopped (a refused link, another tab took over, the
// operator disconnected the room…) with what to do and, when it can, the button that starts
// again.
import type { ClientError, SiteClient } from '../../client/site-client.js';
import { type Message, render as say } from './i18n.js';
import { type PageElements, show, text } from './page-dom.js';

export function renderOverlay(el: PageElements, c: SiteClient): void {
  show(el.overlay, c.state === 'reconnecting');
  text(el.overlayDetail, c.recovery ? say(c.recovery) : '');
}

export function renderError(el: PageElements, c: SiteClient): void {
  const e = c.error;
  show(el.error, Boolean(e));
  el.error.dataset.errorCode = e?.code ?? '';
  if (!e) return;
  const words = errorWords(e);
  text(el.errorTitle, say(words.title));
  text(el.errorMessage, say(words.message));
  show(el.errorAction, Boolean(words.action));
  if (words.action) text(el.errorAction, say(words.action));
}

/** What the page says about why the client stopped, and the button that starts it again. */
function errorWords(e: ClientError): { title: Message; message: Message; action?: Message } {
  switch (e.code) {
    case 'unauthorized':
      return { title: { key: 'error.unauthorized.title' }, message: { key: 'error.unauthorized' } };
    case 'no-token':
      return { title: { key: 'error.noToken.title' }, message: { key: 'error.noToken' } };
    case 'unsupported':
      return {
        title: { key: 'error.unsupported.title' },
        message: { key: 'error.unsupported', params: { detail: e.detail ?? '' } },
      };
    case 'taken-over':
      return {
        title: { key: 'error.takenOver.title' },
        message: { key: 'error.takenOver' },
        action: { key: 'error.takenOver.action' },
      };
    case 'link-reissued':
      return { title: { key: 'error.linkReissued.title' }, message: { key: 'error.linkReissued' } };
    case 'disconnected-by-operator':
      return {
        title: { key: 'error.byOperator.title' },
        message: { key: 'error.byOperator' },
        action: { key: 'error.byOperator.action' },
      };
    default:
      return {
        title: { key: 'error.left.title' },
        message: { key: 'error.left' },
        action: { key: 'error.left.action' },
      };
  }
}
