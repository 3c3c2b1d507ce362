// The notices beside the stage: who has the floor, a raised hand, the hands waiting (hub),
// mute by the operator or by the room, the camera off, media over TCP, a missing device. The
// list is rebuilt only when its words change.
import type { SiteClient } from '../../client/site-client.js';
import { type Message, render as say, t } from './i18n.js';
import { type PageElements, siteName } from './page-dom.js';

export function renderNotices(el: PageElements, c: SiteClient): void {
  const notes: Message[] = [];
  const floor = c.view?.floor;
  if (floor && floor !== c.site?.id && c.role === 'bridge')
    notes.push({ key: 'conf.floorOther', params: { name: siteName(c.siteById(floor)) } });
  if (c.handRaised) notes.push({ key: 'conf.handUp' });
  const hands = c.role === 'hub' ? (c.view?.hands ?? []) : [];
  if (hands.length) {
    notes.push({ key: 'hub.hands', params: { names: hands.map((id) => siteName(c.siteById(id))).join(', ') } });
  }
  if (c.role === 'hub' && floor) notes.push({ key: 'conf.floorOther', params: { name: siteName(c.siteById(floor)) } });
  if (c.mutedByOperator) notes.push({ key: 'conf.mutedByOperator' });
  else if (c.micMuted) notes.push({ key: 'conf.micMuted' });
  if (c.camOff) notes.push({ key: 'conf.camMuted' });
  if (c.audioOnly) notes.push({ key: 'conf.audioOnly' });
  if (c.report?.relayed) notes.push({ key: 'conf.onRelay' });
  else if (c.transport === 'tcp') notes.push({ key: 'conf.onTcp' });
  if (!c.local.audio || !c.local.video)
    notes.push({
      key: 'conf.noLocalMedia',
      params: {
        problem: t(
          !c.local.audio && !c.local.video ? 'device.whatBoth' : !c.local.audio ? 'device.whatMic' : 'device.whatCam',
        ),
      },
    });
  const lines = notes.map(say);
  if (el.notices.dataset.text === lines.join('\n')) return;
  el.notices.dataset.text = lines.join('\n');
  el.notices.replaceChildren(
    ...lines.map((line) => {
      const li = document.createElement('li');
      li.className = 'notice';
      li.textContent = line;
      return li;
    }),
  );
}
