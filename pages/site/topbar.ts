// The top bar: the site's name, the conference phase, for the hub how many bridges are present,
// and in the conference the link's quality in one word: as the operator's board sees it (the
// server pushes this site's status), so the page and the board never disagree; the page's own
// measure only until the first push.
import { grade } from '../../client/quality.js';
import type { SiteClient } from '../../client/site-client.js';
import { t } from './i18n.js';
import { type PageElements, show, siteName, text } from './page-dom.js';

export function renderTopbar(el: PageElements, c: SiteClient): void {
  text(el.siteName, siteName(c.site));
  const phase = c.view?.phase;
  show(el.phase, Boolean(phase));
  if (phase) {
    el.phase.dataset.phase = phase;
    text(el.phase, t(`phase.${phase}`));
  }
  const isHub = c.role === 'hub';
  show(el.presence, isHub && Boolean(c.view));
  if (isHub && c.view && c.welcome) {
    const bridges = c.welcome.sites.filter((s) => s.role === 'bridge').map((s) => s.id);
    const present = c.view.present.filter((id) => bridges.includes(id)).length;
    text(el.presence, t('hub.present', { n: present, total: bridges.length }));
  }
  const inConference = c.state === 'in-conference' || c.state === 'reconnecting';
  show(el.quality, inConference);
  const board = c.status?.state;
  const g =
    c.state === 'reconnecting' || board === 'offline'
      ? 'lost'
      : board === 'online'
        ? 'good'
        : board === 'degraded'
          ? 'fair'
          : grade(c.report);
  el.quality.dataset.grade = g === 'lost' ? 'poor' : g;
  el.quality.title = c.status?.reason ?? '';
  text(el.qualityText, t(`quality.${g}`));
}
