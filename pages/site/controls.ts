// The conference controls: microphone, camera, raising a hand (a bridge), and the link's
// numbers under them.
import type { SiteClient } from '../../client/site-client.js';
import { t } from './i18n.js';
import { type PageElements, show, text } from './page-dom.js';

export function renderControls(el: PageElements, c: SiteClient): void {
  const micOn = !c.micMuted && !c.mutedByOperator;
  el.micButton.dataset.on = String(micOn);
  text(el.micButton, t(c.micMuted ? 'conf.micOn' : 'conf.micOff'));
  el.micButton.disabled = c.mutedByOperator || !c.local.audio;
  el.camButton.dataset.on = String(!c.camOff);
  text(el.camButton, t(c.camOff ? 'conf.camOn' : 'conf.camOff'));
  el.camButton.disabled = !c.local.video;
  show(el.handButton, c.role === 'bridge');
  el.handButton.dataset.raised = String(c.handRaised);
  text(el.handButton, t(c.handRaised ? 'conf.handLower' : 'conf.handRaise'));
  el.handButton.disabled = c.hasFloor || !c.connected;
  const r = c.report;
  text(
    el.qualityDetail,
    r && r.rttMs !== null
      ? t('quality.detail', {
          rtt: r.rttMs,
          loss: r.lossPct ?? 0,
          in: r.inKbps ?? 0,
          out: r.outKbps ?? 0,
          transport: (r.transport ?? c.transport ?? '').toUpperCase(),
        })
      : '',
  );
}
