import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { defaultRoster } from '../../config/roster.default.js';
import { loadRoster, parseRoster } from '../../config/roster.js';
import { ConfigError } from '../../config/schema.js';

// The 63 provinces and centrally-run cities of 2012, by ASCII name, as an independent list.
const provinces2012 = `Ha Noi,Hai Phong,Da Nang,Ho Chi Minh,Can Tho,Ha Giang,Cao Bang,Bac Kan,Tuyen Quang,Lao Cai,
Yen Bai,Thai Nguyen,Lang Son,Quang Ninh,Bac Giang,Phu Tho,Dien Bien,Lai Chau,Son La,Hoa Binh,Vinh Phuc,Bac Ninh,
Hai Duong,Hung Yen,Thai Binh,Ha Nam,Nam Dinh,Ninh Binh,Thanh Hoa,Nghe An,Ha Tinh,Quang Binh,Quang Tri,
Thua Thien Hue,Quang Nam,Quang Ngai,Binh Dinh,Phu Yen,Khanh Hoa,Ninh Thuan,Binh Thuan,Kon Tum,Gia Lai,Dak Lak,
Dak Nong,Lam Dong,Binh Phuoc,Tay Ninh,Binh Duong,Dong Nai,Ba Ria Vung Tau,Long An,Tien Giang,Ben Tre,Tra Vinh,
Vinh Long,Dong Thap,An Giang,Kien Giang,Hau Giang,Soc Trang,Bac Lieu,Ca Mau`
  .split(',')
  .map((s) => s.trim().toLowerCase().replace(/\s+/g, '-'));

t.test('the built-in roster is the 2012 plan: 64 sites, 1 hub, 63 bridges', async (t) => {
  const roster = loadRoster(undefined);
  t.equal(roster.sites.length, 64);
  t.equal(roster.hub.id, 'hub');
  t.equal(roster.bridges.length, 63);
  t.equal(new Set(roster.sites.map((s) => s.id)).size, 64, 'ids are unique');
  t.equal(provinces2012.length, 63);
  for (const id of provinces2012) t.ok(roster.get(id), `province ${id} present`);
  const hanoi = roster.get('ha-noi');
  t.equal(hanoi?.units.length, 6, 'the Hanoi branch hosts six units');
  t.match(hanoi?.units.join('|'), /Thành đoàn Hà Nội/);
  t.match(roster.get('thua-thien-hue')?.name, 'Thừa Thiên Huế', 'Vietnamese names keep diacritics');
  t.ok(
    roster.sites.every((s) => /^[a-z0-9-]+$/.test(s.id)),
    'ids are ASCII slugs',
  );
  t.ok(Object.isFrozen(roster.sites));
});

const writeRoster = (doc: unknown) => {
  const file = join(mkdtempSync(join(tmpdir(), 'gb-roster-')), 'roster.json');
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
};

const badRoster = (t: Test, doc: unknown, expected: RegExp) => {
  try {
    loadRoster(writeRoster(doc));
    t.fail('expected the roster to be rejected');
  } catch (err) {
    t.type(err, ConfigError);
    t.match((err as Error).message, expected);
  }
};

t.test('a roster file replaces the built-in one', async (t) => {
  const sites = defaultRoster.sites.slice(0, 3);
  const roster = loadRoster(writeRoster({ sites }));
  t.equal(roster.sites.length, 3);
  t.equal(roster.bridges.length, 2);
});

t.test('a broken roster file is rejected naming the bad entry', async (t) => {
  const [hub, a, b] = defaultRoster.sites as [unknown, Record<string, unknown>, Record<string, unknown>];
  badRoster(t, { sites: [hub, a, { ...b, id: a.id }] }, new RegExp(`site #3 \\("${String(a.id)}"\\): duplicate id`));
  badRoster(t, { sites: [hub, a, { ...b, name: '' }] }, new RegExp(`site #3 \\("${String(b.id)}"\\) field name`));
  badRoster(t, { sites: [hub, { ...a, kind: 'hub' }] }, /exactly one site of kind "hub", found 2/);
  badRoster(t, { sites: [a, b] }, /exactly one site of kind "hub", found 0/);
  badRoster(t, { sites: [hub, { ...a, id: 'Hà Nội' }] }, /site #2 \("Hà Nội"\) field id: expected an ASCII slug/);
  badRoster(t, { sites: [hub, { ...a, colour: 'red' }] }, /site #2.*colour/);
  badRoster(t, '{ nope', /ROSTER_FILE: cannot read/);
});

t.test('parseRoster names its source', async (t) => {
  t.throws(() => parseRoster({ sites: [] }, 'inline'), /ROSTER \(inline\)/);
});
