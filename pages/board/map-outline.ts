// The map's geography: a coarse trace of Vietnam's mainland and the two archipelagos, and the
// projection of the roster's map.x/map.y (0..100) onto the drawing. The roster spreads
// longitude 102.1–109.5° E and latitude 23.4–8.6° N over the same range, so x is squeezed here
// to keep the country's real proportions.

/** Width of the roster's 100 x-units relative to its 100 y-units (7.4° of longitude at ~16° N vs 14.8° of latitude). */
export const X_SCALE = 0.48;
export const WIDTH = 60;

const fromLonLat = (lon: number, lat: number): [number, number] => [
  ((lon - 102.1) / 7.4) * 100 * X_SCALE,
  ((23.4 - lat) / 14.8) * 100,
];

// A coarse trace of the mainland border and coast (lon, lat), clockwise from the western tip.
const outline: readonly [number, number][] = [
  [102.14, 22.4],
  [102.5, 22.77],
  [103.0, 22.55],
  [103.6, 22.78],
  [104.0, 22.55],
  [104.4, 22.75],
  [104.8, 23.15],
  [105.33, 23.39],
  [105.9, 22.95],
  [106.5, 22.95],
  [106.7, 22.85],
  [106.55, 22.45],
  [106.8, 22.0],
  [107.35, 21.6],
  [108.05, 21.55],
  [107.4, 21.25],
  [106.8, 20.7],
  [106.5, 20.25],
  [106.1, 19.95],
  [105.8, 19.4],
  [105.65, 18.9],
  [106.1, 18.2],
  [106.5, 17.7],
  [107.1, 16.9],
  [107.8, 16.4],
  [108.25, 16.05],
  [108.7, 15.4],
  [109.05, 14.5],
  [109.25, 13.8],
  [109.45, 12.9],
  [109.2, 12.25],
  [109.2, 11.7],
  [108.95, 11.3],
  [108.1, 10.9],
  [107.5, 10.5],
  [107.05, 10.35],
  [106.8, 10.15],
  [106.55, 9.7],
  [106.1, 9.35],
  [105.7, 9.0],
  [105.1, 8.7],
  [104.73, 8.6],
  [104.85, 9.3],
  [104.9, 9.9],
  [104.45, 10.42],
  [105.1, 10.95],
  [105.8, 11.0],
  [106.2, 10.95],
  [106.1, 11.3],
  [106.4, 11.7],
  [106.8, 11.95],
  [107.5, 12.25],
  [107.55, 12.75],
  [107.5, 13.5],
  [107.5, 14.4],
  [107.55, 14.7],
  [107.4, 15.5],
  [107.2, 15.9],
  [107.0, 16.3],
  [106.5, 16.6],
  [106.2, 17.2],
  [105.6, 17.9],
  [105.1, 18.6],
  [104.5, 19.0],
  [104.0, 19.3],
  [104.2, 19.9],
  [104.6, 20.15],
  [104.2, 20.75],
  [103.7, 20.7],
  [103.2, 20.85],
  [102.8, 21.3],
  [102.65, 21.75],
  [102.35, 22.1],
];

// The two archipelagos, placed schematically (not to scale) off the coast they belong to.
export const islands: readonly { label: string; x: number; y: number }[] = [
  { label: 'Hoàng Sa', x: 53, y: 40 },
  { label: 'Trường Sa', x: 52, y: 76 },
];

/** The outline as an SVG polygon's points. */
export const land = outline
  .map(([lon, lat]) =>
    fromLonLat(lon, lat)
      .map((n) => n.toFixed(2))
      .join(','),
  )
  .join(' ');
