// chart.js draws a grouped horizontal bar chart as plain SVG: one row per
// label with two bars (scenario A and B).
import { esc, sek, mkr } from './format.js';

export function pairedBars(rows, { colourA, colourB, nameA, nameB }) {
  const rowH = 26;
  const labelW = 110;
  const width = 420;
  const barW = width - labelW - 64; // room for the value after the bar
  const max = Math.max(1, ...rows.flatMap((r) => [r.a || 0, r.b || 0]));
  const legendH = 38; // one legend line per scenario, as names can be long
  const height = legendH + rows.length * rowH + 4;
  const bars = rows.map((r, i) => {
    const y = legendH + i * rowH;
    const wa = (barW * (r.a || 0)) / max;
    const wb = (barW * (r.b || 0)) / max;
    return `<g><title>${esc(r.label)}: A ${esc(sek(r.a))}, B ${esc(sek(r.b))}</title>
      <text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(r.label)}</text>
      <rect x="${labelW}" y="${y + 2}" width="${wa.toFixed(1)}" height="10" fill="${colourA}"></rect>
      <text x="${(labelW + wa + 3).toFixed(1)}" y="${y + 11}" class="value">${esc(mkr(r.a || 0))}</text>
      <rect x="${labelW}" y="${y + 13}" width="${wb.toFixed(1)}" height="10" fill="${colourB}"></rect>
      <text x="${(labelW + wb + 3).toFixed(1)}" y="${y + 22}" class="value">${esc(mkr(r.b || 0))}</text></g>`;
  }).join('');
  return `<svg class="chart" role="img" aria-label="Budget per municipality, ${esc(nameA)} and ${esc(nameB)}"
    viewBox="0 0 ${width} ${height}" width="100%">
    <rect x="0" y="4" width="10" height="10" fill="${colourA}"></rect>
    <text x="14" y="13">${esc(nameA)}</text>
    <rect x="0" y="20" width="10" height="10" fill="${colourB}"></rect>
    <text x="14" y="29">${esc(nameB)}</text>${bars}</svg>`;
}

// shareBars draws one bar per row for a share in [0, 1], coloured on the
// given ramp so the chart reads like the map's cells.
export function shareBars(rows, colourOf) {
  const rowH = 16;
  const labelW = 110;
  const width = 420;
  const barW = width - labelW - 50;
  const height = rows.length * rowH + 4;
  const bars = rows.map((r, i) => {
    const y = i * rowH;
    const w = barW * Math.max(0, Math.min(1, r.share || 0));
    return `<g><title>${esc(r.label)}: ${esc(pctText(r.share))}</title>
      <text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(r.label)}</text>
      <rect x="${labelW}" y="${y + 3}" width="${barW}" height="10" fill="#eef0f3"></rect>
      <rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="10" fill="${colourOf(r.share || 0)}"></rect>
      <text x="${labelW + barW + 4}" y="${y + 12}" class="value">${esc(pctText(r.share))}</text></g>`;
  }).join('');
  return `<svg class="chart" role="img" aria-label="Share of premises meeting the target by municipality" viewBox="0 0 ${width} ${height}" width="100%">${bars}</svg>`;
}

function pctText(x) {
  return x === null || x === undefined ? '–' : `${Math.round(100 * x)} %`;
}
