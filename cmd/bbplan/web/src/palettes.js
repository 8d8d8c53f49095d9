// palettes.js holds colour-blind-safe palettes: viridis and cividis ramps for
// ordered values and Okabe–Ito for categories.

export const viridis = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
export const cividis = ['#00204d', '#31446b', '#666970', '#958f78', '#cbba69', '#ffea46'];

export const okabeIto = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  grey: '#999999',
};

// classColours maps the classes of all policy profiles to Okabe–Ito colours,
// worst service in warm colours, served in blue.
export const classColours = {
  unserved: okabeIto.vermillion,
  white: okabeIto.vermillion,
  underserved: okabeIto.orange,
  grey: okabeIto.orange,
  served: okabeIto.blue,
  black: okabeIto.blue,
  eligible: okabeIto.vermillion,
  disputed: okabeIto.purple,
};

export function classColour(c) {
  return classColours[c] || okabeIto.grey;
}

// ramp turns a palette into a MapLibre interpolate expression over [lo, hi].
export function ramp(input, palette, lo, hi) {
  if (!(hi > lo)) hi = lo + 1; // interpolate needs strictly ascending stops
  const stops = [];
  palette.forEach((c, i) => {
    stops.push(lo + ((hi - lo) * i) / (palette.length - 1), c);
  });
  return ['interpolate', ['linear'], input, ...stops];
}

export function cssGradient(palette) {
  return `linear-gradient(to right, ${palette.join(', ')})`;
}
