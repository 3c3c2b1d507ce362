import t from 'tap';
import { describeView, type RecordableSource, recordingView, sameView } from '../../media/recording-view.js';

const src = (siteId: string, source: 'mic' | 'cam', paused = false): RecordableSource => ({
  siteId,
  role: siteId === 'hub' ? 'hub' : 'bridge',
  source,
  kind: source === 'mic' ? 'audio' : 'video',
  producerId: `${siteId}-${source}`,
  paused,
});
const all = [src('hub', 'mic'), src('hub', 'cam'), src('a', 'mic'), src('a', 'cam'), src('b', 'mic'), src('b', 'cam')];

t.test('without a floor: the hub is seen and heard, and no bridge', async (t) => {
  t.same(describeView(recordingView(all, null)), { video: 'hub', audio: ['hub'] });
});

t.test('the floor holder is seen; the hub and the floor holder are heard', async (t) => {
  t.same(describeView(recordingView(all, 'a')), { video: 'a', audio: ['hub', 'a'] });
});

t.test('paused sources are left out; the hub is seen while the floor holder shows nothing', async (t) => {
  const camOff = all.map((s) => (s.producerId === 'a-cam' ? { ...s, paused: true } : s));
  t.same(describeView(recordingView(camOff, 'a')), { video: 'hub', audio: ['hub', 'a'] });
  const muted = all.map((s) => (s.producerId === 'hub-mic' ? { ...s, paused: true } : s));
  t.same(describeView(recordingView(muted, null)), { video: 'hub', audio: [] });
  t.same(describeView(recordingView([], 'a')), { video: null, audio: [] }, 'nobody: nothing to record');
});

t.test('the floor given to a site not connected, or to the hub, changes nothing', async (t) => {
  t.same(describeView(recordingView(all, 'absent')), { video: 'hub', audio: ['hub'] });
  t.same(describeView(recordingView(all, 'hub')), { video: 'hub', audio: ['hub'] });
});

t.test('views compare by the producers they take', async (t) => {
  t.ok(sameView(recordingView(all, 'a'), recordingView([...all].reverse(), 'a')));
  t.notOk(sameView(recordingView(all, 'a'), recordingView(all, 'b')));
  const replaced = all.map((s) => (s.producerId === 'a-cam' ? { ...s, producerId: 'a-cam-2' } : s));
  t.notOk(sameView(recordingView(all, 'a'), recordingView(replaced, 'a')), 'a new camera is a new view');
});
