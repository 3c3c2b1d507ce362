// A provincial office on a thin link, in real Chromium: at 1 Mbit/s down and 300 kbit/s up the
// bridge gets the hub's picture on a lower simulcast layer than the hub sends, sends only its
// own low layer, and hears the hub without gaps; below 250 kbit/s the server holds the picture
// back and the sound goes on, the page and the board say so, and the picture comes back by
// itself when the link does.
import t from 'tap';
import { Field, waitFor } from '../helpers/field.js';
import { THIN, thinLink } from '../helpers/field-scenarios.js';

t.setTimeout(300_000);
const field = await Field.start();
t.teardown(() => field.close());
const { site, result: r } = await thinLink(field, 'lai-chau');
t.teardown(() => site.close());

t.test('1 Mbit/s down, 300 kbit/s up', async (t) => {
  t.ok(r.continuityPct >= 99, `hub audio played without concealment: ${r.continuityPct} % of samples (target 99 %)`);
  t.ok(r.hubTopLayerKbps > 100, `the hub sends its top layer (${r.hubTopLayerKbps} kbit/s)`);
  t.equal(r.preferredLayer, 2, 'the bridge would take the top layer');
  t.ok(r.hubLayer !== undefined && r.hubLayer < 2, `but gets a lower one its link carries (spatial ${r.hubLayer})`);
  t.ok(r.frameWidth > 0 && r.frameWidth < 640, `the page shows the hub at ${r.frameWidth} px wide`);
  const [low, ...upper] = Object.keys(r.uplinkLayers).sort();
  t.ok(
    low && (r.uplinkLayers[low] ?? 0) > 30,
    `the bridge sends its low layer (${JSON.stringify(r.uplinkLayers)} kbit/s)`,
  );
  t.ok(
    upper.every((rid) => (r.uplinkLayers[rid] ?? 0) < 60),
    `and not its upper one, which its uplink cannot carry (${JSON.stringify(r.uplinkLayers)})`,
  );
  t.not(r.board.state, 'offline', `the board has it ${r.board.state}${r.board.reason ? ` (${r.board.reason})` : ''}`);
});

t.test('below 250 kbit/s: audio only, then video again', async (t) => {
  await field.shape(site.netns, { downKbit: 200, upKbit: 300 });
  const paused = await waitFor(async () => (await site.link()).audioOnly, 40_000);
  t.ok(paused, 'the server held the picture back');
  const board = field.status('lai-chau');
  t.equal(board.flags.audioOnly, true, 'the board marks the site audio only');
  t.equal(board.state, 'degraded', `the board has it degraded (${board.reason})`);
  t.match(await site.page.page.textContent('#notices'), /tạm dừng hình/, 'the page says the picture is paused');
  const continuity = await site.audioContinuity(10_000);
  t.ok(continuity >= 98, `the sound goes on: ${continuity} % without concealment`);

  await field.shape(site.netns, THIN);
  const back = performance.now();
  const resumed = await waitFor(async () => !(await site.link()).audioOnly, 70_000);
  t.ok(resumed, 'the picture is let through again by itself');
  await site.waitMedia(20_000);
  t.pass(`picture back ${Math.round((performance.now() - back) / 1000)} s after the link recovered`);
  t.notOk(field.status('lai-chau').flags.audioOnly, 'the board no longer marks it audio only');
});
