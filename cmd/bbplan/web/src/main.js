// main.js wires the bbplan web map: sign-in, run/scenario/municipality
// pickers, the map, the area panel, the ranking table and the comparison.
import maplibregl from 'maplibre-gl';
import { get, getAll, getToken, setToken, ApiError } from './api.js';
import { createMap, syncLayers, clearLayers, fitBBox, fitRegion, setSelected, CMP_ONLY_A, CMP_ONLY_B, COMPARE_COLOURS, UNSELECTED, PREMISE_MIN_ZOOM } from './map.js';
import { viridis, cividis, cssGradient, classColours, okabeIto } from './palettes.js';
import { int, dec, sek, mkr, pct, share, esc, yesno, kv } from './format.js';
import { renderTable, sortRows, toCSV, download } from './table.js';
import { pairedBars, shareBars } from './chart.js';

const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  runs: [],
  run: '',
  scenarios: [],
  scenario: '',
  scenarioB: '',
  municipalities: [],
  municipality: '',
  areas: [],
  area: null,
  compare: null,
  areaColour: 'rank',
  visible: { municipalities: true, cells: true, areas: true, premises: true },
  onlyInView: false,
  // ready is true once the current run and scenario are fully shown.
  ready: false,
};

const map = (() => {
  try {
    return createMap($('map'));
  } catch (err) {
    // Without WebGL there is no map to drive; say so instead of a blank page.
    const el = $('notice');
    el.hidden = false;
    el.classList.add('error');
    el.textContent = `This browser cannot draw the map (${err.message}). Enable WebGL or use another browser.`;
    throw err;
  }
})();
// mapReady settles when the (empty) style has loaded; boot waits for it so
// that sources can be added.
const mapReady = new Promise((resolve) => map.once('load', resolve));
// Tests and curious users can reach the map and state from the console.
window.bbplan = { map, state };

function notice(text, isError) {
  const el = $('notice');
  el.hidden = !text;
  el.textContent = text || '';
  el.classList.toggle('error', !!isError);
}

function showError(err) {
  const msg = err instanceof ApiError ? `${err.message} (${err.code})` : String(err && err.message ? err.message : err);
  notice(msg, true);
}

function muniName(code) {
  const m = state.municipalities.find((x) => x.code === code);
  return m ? m.name : code;
}

function canSeePremises(code) {
  const p = state.me && state.me.premises;
  return p === 'all' || (p === 'own' && code === state.me.municipality);
}

function roleText(me) {
  switch (me.role) {
    case 'municipality':
      return `Municipality token for ${muniName(me.municipality)} (${me.municipality}): premise-level detail for ${muniName(me.municipality)} only; other municipalities show aggregates.`;
    case 'committee':
      return 'Committee view: aggregates, areas and scenarios; no premise-level data.';
    case 'anonymous':
      return 'Not signed in: aggregates only. Sign in with a token to see areas and scenarios.';
    default:
      return '';
  }
}

// ---- tabs -----------------------------------------------------------------

function showTab(name) {
  document.querySelectorAll('#panel nav button').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === name)));
  document.querySelectorAll('#panel section[role="tabpanel"]').forEach((s) => { s.hidden = s.id !== 'tab-' + name; });
  const wasCompare = !!state.compare;
  if (name === 'compare') loadCompare();
  else if (wasCompare) {
    state.compare = null;
    clearCompareState();
    refreshMap();
  }
}
document.querySelectorAll('#panel nav button').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));

// ---- sign in ----------------------------------------------------------------

$('signin').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const t = $('token').value.trim();
  if (!t) return;
  setToken(t);
  $('token').value = '';
  boot();
});
$('signout-btn').addEventListener('click', () => {
  setToken('');
  boot();
});

function renderWho() {
  const me = state.me;
  const signedIn = !!getToken() && me && me.role !== 'anonymous';
  $('who').textContent = me ? (signedIn ? `${me.name || me.role} · ${me.role}${me.municipality ? ' ' + me.municipality : ''}` : 'Not signed in') : 'Not signed in';
  $('token').hidden = signedIn;
  $('signin-btn').hidden = signedIn;
  $('signout-btn').hidden = !signedIn;
}

// ---- boot and pickers -------------------------------------------------------

async function boot() {
  state.me = null;
  state.area = null;
  state.compare = null;
  state.areas = [];
  state.municipalities = [];
  state.ready = false;
  await mapReady;
  // A new identity starts from an empty map, so nothing of the previous
  // token's scope stays on screen.
  clearLayers(map);
  const hadToken = !!getToken();
  try {
    state.me = await get('/api/v1/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setToken('');
      renderWho();
      notice(hadToken ? 'The token was not accepted. Sign in again.' : 'Sign in with your access token to see the map.', hadToken);
      return;
    }
    renderWho();
    showError(err);
    return;
  }
  renderWho();
  try {
    state.runs = (await get('/api/v1/runs')).runs || [];
    fillSelect($('run'), state.runs.map((r) => [r.id, `${r.id} · ${r.name} (${r.as_of})`]));
    const hash = readHash();
    state.run = hash.run && state.runs.some((r) => String(r.id) === hash.run) ? hash.run : String(state.runs[0] ? state.runs[0].id : '');
    $('run').value = state.run;
    await loadRun(hash);
  } catch (err) {
    showError(err);
  }
}

function fillSelect(sel, options, empty) {
  sel.innerHTML = (empty ? `<option value="">${esc(empty)}</option>` : '') +
    options.map(([v, l]) => `<option value="${esc(v)}">${esc(l)}</option>`).join('');
}

function readHash() {
  const h = new URLSearchParams(window.location.hash.slice(1));
  return { run: h.get('run') || '', scenario: h.get('scenario') || '', municipality: h.get('m') || '', area: h.get('area') || '' };
}

function writeHash() {
  const h = new URLSearchParams();
  if (state.run) h.set('run', state.run);
  if (state.scenario) h.set('scenario', state.scenario);
  if (state.municipality) h.set('m', state.municipality);
  if (state.area && state.area.id) h.set('area', state.area.id);
  history.replaceState(null, '', '#' + h.toString());
}

async function loadRun(hash = {}) {
  state.area = null;
  state.compare = null;
  const canScenarios = state.me.role !== 'anonymous';
  state.scenarios = canScenarios && state.run ? (await get('/api/v1/scenarios', { run: state.run })).scenarios || [] : [];
  fillSelect($('scenario'), state.scenarios.map((s) => [s.id, `${s.id} · ${s.name} (${s.strategy})`]), state.scenarios.length ? 'No scenario' : 'No scenarios');
  $('scenario').disabled = !state.scenarios.length;
  state.scenario = hash.scenario && state.scenarios.some((s) => String(s.id) === hash.scenario) ? hash.scenario : String(state.scenarios[0] ? state.scenarios[0].id : '');
  $('scenario').value = state.scenario;
  await loadScenario(hash.municipality);
  // A run may cover any region: show its municipalities (or the chosen one).
  const m = state.municipalities.find((x) => x.code === state.municipality);
  if (m) {
    setSelected(map, 'municipalities', 'municipalities', null, m.code);
    fitBBox(map, m.bbox, 11);
  } else fitRegionOrData();
  // A shared link may name an area: open it once the run is shown.
  if (hash.area && state.areas.some((a) => String(a.id) === hash.area)) openArea(hash.area, true);
}

async function loadScenario(municipality) {
  state.ready = false;
  state.compare = null;
  clearCompareState();
  const res = state.run ? await get('/api/v1/municipalities', { run: state.run, scenario: state.scenario }) : { municipalities: [] };
  state.municipalities = (res.municipalities || []).slice().sort((a, b) => a.name.localeCompare(b.name, 'sv'));
  fillSelect($('municipality'), state.municipalities.map((m) => [m.code, `${m.name} (${m.code})`]), 'All of the region');
  if (municipality !== undefined) state.municipality = state.municipalities.some((m) => m.code === municipality) ? municipality : '';
  $('municipality').value = state.municipality;
  notice(roleText(state.me));
  state.areas = [];
  if (state.me.role !== 'anonymous' && state.run) {
    const { items } = await getAll('/api/v1/areas', { run: state.run, scenario: state.scenario, limit: 1000 }, 'areas');
    state.areas = items;
  }
  refreshMap();
  renderLegend();
  renderMunicipality();
  renderRanking();
  fillSelect($('scenario-b'), state.scenarios.filter((s) => String(s.id) !== state.scenario).map((s) => [s.id, `${s.id} · ${s.name}`]), 'Choose a scenario');
  if (!$('tab-compare').hidden) loadCompare();
  if (!$('tab-area').hidden && state.area) openArea(state.area.id);
  writeHash();
  state.ready = true;
}

$('run').addEventListener('change', () => {
  state.run = $('run').value;
  loadRun({ municipality: state.municipality }).catch(showError);
});
$('scenario').addEventListener('change', () => {
  state.scenario = $('scenario').value;
  loadScenario().catch(showError);
});
$('municipality').addEventListener('change', () => selectMunicipality($('municipality').value, true));

function maxRank() {
  return state.areas.reduce((m, a) => Math.max(m, a.scenario && a.scenario.selected ? a.scenario.rank : 0), 0);
}

function refreshMap() {
  if (!state.me || !state.run) return;
  const apply = () => syncLayers(map, {
    me: state.me, run: state.run, scenario: state.scenario, compare: !!state.compare,
    areaColour: state.areaColour, maxRank: maxRank(), visible: state.visible,
  });
  apply();
}

// ---- legend and layer switches -----------------------------------------------

function legendItems(entries, round) {
  return entries.map(([label, colour]) => `<div class="item"><span class="swatch${round ? ' round' : ''}" style="background:${colour}"></span>${esc(label)}</div>`).join('');
}

function classLegend(round) {
  const seen = new Map();
  for (const [cls, colour] of Object.entries(classColours)) {
    seen.set(colour, [...(seen.get(colour) || []), cls]);
  }
  return legendItems([...[...seen].map(([colour, classes]) => [classes.join(' / '), colour]), ['other', okabeIto.grey]], round);
}

function renderLegend() {
  $('legend-cells').innerHTML = `<div class="ramp" style="background:${cssGradient(viridis)}"></div><div class="ends"><span>0 %</span><span>50 %</span><span>100 %</span></div>`;
  let areas;
  if (state.compare) {
    areas = legendItems([[`only in A: ${state.compare.a.name}`, COMPARE_COLOURS.a], [`only in B: ${state.compare.b.name}`, COMPARE_COLOURS.b], ['in both or neither', COMPARE_COLOURS.both]]);
  } else if (state.areaColour === 'rank' && state.scenario) {
    areas = `<div class="ramp" style="background:${cssGradient(cividis)}"></div><div class="ends"><span>rank 1</span><span>rank ${maxRank() || '–'}</span></div>` +
      legendItems([['not selected', UNSELECTED]]);
  } else {
    areas = classLegend(false);
  }
  $('legend-areas').innerHTML = areas;
  const noAreas = state.me && state.me.role === 'anonymous';
  $('legend-areas').previousElementSibling.hidden = noAreas;
  document.querySelector('[data-layer="areas"]').parentElement.hidden = noAreas;
  $('legend-areas').hidden = noAreas;
  const premisesAllowed = state.me && state.me.premises !== 'none';
  $('premises-switch').hidden = !premisesAllowed;
  $('legend-premises').hidden = !premisesAllowed;
  $('legend-premises').innerHTML = premisesAllowed
    ? `<div>from zoom ${PREMISE_MIN_ZOOM}${state.me.premises === 'own' ? `, ${esc(muniName(state.me.municipality))} only` : ''}; black ring: double gap</div>` + classLegend(true)
    : '';
}

document.querySelectorAll('#layers input[data-layer]').forEach((cb) => cb.addEventListener('change', () => {
  state.visible[cb.dataset.layer] = cb.checked;
  refreshMap();
}));
document.querySelectorAll('input[name="areacolour"]').forEach((r) => r.addEventListener('change', () => {
  state.areaColour = r.value;
  refreshMap();
  renderLegend();
}));

// ---- municipality -----------------------------------------------------------

function selectMunicipality(code, zoom) {
  const prev = state.municipality;
  state.municipality = code;
  $('municipality').value = code;
  setSelected(map, 'municipalities', 'municipalities', prev, code);
  const m = state.municipalities.find((x) => x.code === code);
  if (zoom) {
    if (m) fitBBox(map, m.bbox, 11);
    else fitRegionOrData();
  }
  renderMunicipality();
  renderRanking();
  showTab('muni');
  writeHash();
}

// viridisAt picks the viridis colour of a share, as the cells layer does.
function viridisAt(x) {
  return viridis[Math.max(0, Math.min(viridis.length - 1, Math.round(x * (viridis.length - 1))))];
}

// fitRegionOrData shows all municipalities of the run, or the default
// region when they carry no bounding boxes.
function fitRegionOrData() {
  const boxes = state.municipalities.map((m) => m.bbox).filter(Boolean);
  if (!boxes.length) {
    fitRegion(map);
    return;
  }
  fitBBox(map, [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))], 12);
}

function sumStats() {
  const keys = ['premises', 'households', 'workplaces', 'premises_target', 'eligible_premises', 'eligible_households', 'eligible_workplaces', 'mobile_ok', 'double_gaps', 'disputed'];
  const t = Object.fromEntries(keys.map((k) => [k, 0]));
  const budget = { allocated: 0, areas_selected: 0, areas: 0 };
  const tiers = {};
  for (const m of state.municipalities) {
    if (m.stats) {
      for (const k of keys) t[k] += m.stats[k] || 0;
      for (const [tier, v] of Object.entries(m.stats.tiers || {})) {
        tiers[tier] = tiers[tier] || { premises: 0, households: 0, workplaces: 0 };
        for (const f of ['premises', 'households', 'workplaces']) tiers[tier][f] += (v && v[f]) || 0;
      }
    }
    if (m.budget) for (const k of Object.keys(budget)) budget[k] += m.budget[k] || 0;
  }
  t.tiers = tiers;
  const classes = {};
  for (const m of state.municipalities) {
    for (const [c, v] of Object.entries((m.stats && m.stats.classes) || {})) {
      classes[c] = { premises: ((classes[c] && classes[c].premises) || 0) + ((v && v.premises) || 0) };
    }
  }
  t.classes = classes;
  t.share_target = t.premises ? t.premises_target / t.premises : null;
  return { stats: t, budget: state.scenario ? budget : null };
}

function statsHTML(s, budget) {
  if (!s) return '<p class="muted">No statistics for this municipality in the run.</p>';
  const tiers = Object.entries(s.tiers || {}).sort((a, b) => Number(b[0]) - Number(a[0]));
  return kv([
    ['Premises', int(s.premises)],
    ['Households', int(s.households)],
    ['Workplaces', int(s.workplaces)],
    ['Meeting the target', `${int(s.premises_target)} (${share(s.share_target ?? (s.premises ? s.premises_target / s.premises : null))})`],
    ['Eligible premises', int(s.eligible_premises)],
    ['Eligible households / workplaces', `${int(s.eligible_households)} / ${int(s.eligible_workplaces)}`],
    ['Mobile target met', `${int(s.mobile_ok)} (${pct(s.mobile_ok, s.premises)})`],
    ['Double gaps', int(s.double_gaps)],
    ['Disputed coverage', int(s.disputed)],
    ...(s.classes ? [['Classes', Object.entries(s.classes).filter(([, v]) => v && v.premises)
      .map(([c, v]) => `<span class="swatch" style="background:${classColours[c] || okabeIto.grey}"></span> ${esc(c)} ${int(v.premises)}`).join(', ') || '–']] : []),
  ]) + (tiers.length ? `<h4>Premises reaching each tier</h4><table><thead><tr><th>Tier</th><th class="num">Premises</th><th class="num">Share</th><th class="num">Households</th><th class="num">Workplaces</th></tr></thead><tbody>${
    tiers.map(([t, v]) => `<tr><td>${t === '0' ? 'none' : '≥ ' + esc(t) + ' Mbit/s'}</td><td class="num">${int(v.premises)}</td><td class="num">${pct(v.premises, s.premises)}</td><td class="num">${int(v.households)}</td><td class="num">${int(v.workplaces)}</td></tr>`).join('')
  }</tbody></table>` : '') + (budget ? `<h4>Budget in scenario ${esc(state.scenario)}</h4>` + kv([
    ['Allocated', sek(budget.allocated)],
    ['Areas selected', `${int(budget.areas_selected)} of ${int(budget.areas)}`],
  ]) : '');
}

function renderMunicipality() {
  const el = $('tab-muni');
  const code = state.municipality;
  if (!code) {
    const { stats, budget } = sumStats();
    const shares = state.municipalities.filter((m) => m.stats).map((m) => ({ label: m.name, share: m.stats.share_target }))
      .sort((a, b) => a.share - b.share);
    el.innerHTML = `<h3>Region: ${int(state.municipalities.length)} municipalities</h3>${statsHTML(stats, budget)}
      <h4>Share of premises meeting the target</h4>${shareBars(shares, viridisAt)}
      <h4>Municipalities</h4><div id="muni-table"></div>`;
    const cols = [
      { key: 'name', label: 'Municipality', value: (m) => m.name },
      { key: 'premises', label: 'Premises', num: true, value: (m) => m.stats && m.stats.premises, html: (m) => int(m.stats && m.stats.premises) },
      { key: 'share', label: 'Target met', num: true, value: (m) => m.stats && m.stats.share_target, html: (m) => share(m.stats && m.stats.share_target) },
      { key: 'eligible', label: 'Eligible', num: true, value: (m) => m.stats && m.stats.eligible_premises, html: (m) => int(m.stats && m.stats.eligible_premises) },
      { key: 'double', label: 'Double gaps', num: true, value: (m) => m.stats && m.stats.double_gaps, html: (m) => int(m.stats && m.stats.double_gaps) },
    ];
    if (state.scenario) cols.push({ key: 'budget', label: 'Allocated', num: true, value: (m) => m.budget && m.budget.allocated, html: (m) => mkr(m.budget && m.budget.allocated) });
    renderTable($('muni-table'), cols, state.municipalities, { rowId: (m) => m.code, onRow: (c) => selectMunicipality(c, true) });
    return;
  }
  const m = state.municipalities.find((x) => x.code === code);
  el.innerHTML = `<h3>${esc(m ? m.name : code)} <span class="muted">${esc(code)}</span></h3>${statsHTML(m && m.stats, m && m.budget)}<h4>Eligible premises</h4><div id="gaps"></div>`;
  const gaps = $('gaps');
  if (!canSeePremises(code)) {
    gaps.innerHTML = `<p class="restricted" data-restricted="premises">Premise-level detail is not available for your role${
      state.me.premises === 'own' ? `: your token sees the premises of ${esc(muniName(state.me.municipality))} only` : ''}.</p>`;
    return;
  }
  gaps.innerHTML = '<p class="muted">Loading…</p>';
  get(`/api/v1/municipalities/${encodeURIComponent(code)}/gaps`, { run: state.run }).then((fc) => {
    if (state.municipality !== code) return;
    const premises = fc.features.filter((f) => f.properties.kind === 'premise').map((f) => f.properties);
    const cols = [
      { key: 'id', label: 'Premise', value: (p) => p.id },
      { key: 'class', label: 'Class', value: (p) => p.class },
      { key: 'hh', label: 'Households', num: true, value: (p) => p.households },
      { key: 'wp', label: 'Workplaces', num: true, value: (p) => p.workplaces },
      { key: 'dg', label: 'Double gap', value: (p) => (p.double_gap ? 'yes' : 'no') },
      { key: 'area', label: 'Area', num: true, value: (p) => p.area_id },
    ];
    gaps.innerHTML = `<p>${int(premises.length)} eligible premises.${premises.length > 300 ? ' The first 300 are listed.' : ''}</p><div></div>`;
    renderTable(gaps.lastElementChild, cols, premises.slice(0, 300), { rowId: (p) => p.area_id ?? '', onRow: (id) => id && openArea(id, true) });
  }).catch((err) => { gaps.innerHTML = `<p class="restricted">${esc(err.message)}</p>`; });
}

// ---- areas ------------------------------------------------------------------

map.on('click', 'areas-fill', (ev) => {
  const f = ev.features && ev.features[0];
  if (f) openArea(f.properties.id, false);
});
map.on('click', 'muni-fill', (ev) => {
  // A click on a municipality outside any area selects the municipality.
  if (map.getLayer('areas-fill') && map.queryRenderedFeatures(ev.point, { layers: ['areas-fill'] }).length) return;
  if (map.getLayer('premises-circle') && map.queryRenderedFeatures(ev.point, { layers: ['premises-circle'] }).length) return;
  const f = ev.features && ev.features[0];
  if (f && f.properties.code !== state.municipality) selectMunicipality(f.properties.code, false);
});
map.on('click', 'premises-circle', (ev) => {
  const p = ev.features[0].properties;
  new maplibregl.Popup({ closeButton: true })
    .setLngLat(ev.lngLat)
    .setHTML(`<strong>${esc(p.id)}</strong>${kv([['Class', esc(p.class)], ['Eligible', yesno(p.eligible)], ['Tier', int(p.tier)],
      ['Households', int(p.households)], ['Workplaces', int(p.workplaces)], ['Double gap', yesno(p.double_gap)], ['Mobile target', yesno(p.mobile_ok)]])}`)
    .addTo(map);
});
for (const l of ['areas-fill', 'premises-circle']) {
  map.on('mouseenter', l, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', l, () => { map.getCanvas().style.cursor = ''; });
}

// explanationLabels names the fields of funding.Explanation; other fields
// show with their key, so a newer explanation still renders.
const explanationLabels = {
  score: 'Score', rule: 'Selection rule', running_budget: 'Running budget', cost_option: 'Cost option',
  costed_option: 'Costed option', subsidy_per_premise: 'Subsidy per premise', pts: 'PTS ranking',
  buildings: 'Buildings', priority_buildings: 'Region-marked buildings', subsidy_per_building: 'Subsidy per building',
  reduction: 'Reduction', ranking_amount: 'Ranking amount', selection_rule: 'Selection rule', budget: 'Budget',
};

function explanationValue(k, v) {
  if (typeof v !== 'number') return esc(v);
  if (/budget|subsidy|amount/.test(k)) return sek(v);
  if (k === 'reduction') return share(v);
  return dec(v);
}

function explanationKV(obj) {
  const pairs = Object.entries(obj).filter(([, v]) => v === null || typeof v !== 'object');
  return pairs.length ? kv(pairs.map(([k, v]) => [explanationLabels[k] || k.replace(/_/g, ' '), explanationValue(k, v)])) : '';
}

function explanationHTML(ex) {
  if (!ex || typeof ex !== 'object') return '';
  let html = '';
  const criteria = Array.isArray(ex.criteria) ? ex.criteria : [];
  if (criteria.length) {
    const norm = criteria.some((c) => c.normalised !== undefined);
    const maxC = Math.max(1e-9, ...criteria.map((c) => Math.abs(Number(c.contribution) || 0)));
    html += `<table class="criteria"><thead><tr><th>Criterion</th><th class="num">Value</th>${norm ? '<th class="num">Normalised</th>' : ''}<th class="num">Weight</th><th class="num">Contribution</th><th></th></tr></thead><tbody>${
      criteria.map((c) => {
        const w = (100 * Math.abs(Number(c.contribution) || 0)) / maxC;
        // Negative contributions (costs) are drawn in vermillion, benefits in blue.
        const colour = Number(c.contribution) < 0 ? okabeIto.vermillion : okabeIto.blue;
        return `<tr><td>${esc(String(c.name).replace(/_/g, ' '))}</td><td class="num">${dec(c.value)}</td>${norm ? `<td class="num">${dec(c.normalised)}</td>` : ''}<td class="num">${dec(c.weight)}</td><td class="num">${dec(c.contribution)}</td>
        <td style="width:22%"><svg width="100%" height="10" viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="${w.toFixed(1)}" height="10" fill="${colour}"></rect></svg></td></tr>`;
      }).join('')
    }</tbody></table>`;
  }
  html += explanationKV(Object.fromEntries(Object.entries(ex).filter(([k]) => k !== 'criteria')));
  for (const [k, v] of Object.entries(ex).filter(([key, x]) => key !== 'criteria' && x !== null && typeof x === 'object')) {
    html += `<h4>${esc(explanationLabels[k] || k.replace(/_/g, ' '))}</h4>` + (Array.isArray(v) ? `<pre>${esc(JSON.stringify(v, null, 2))}</pre>` : explanationKV(v));
  }
  return html;
}

async function openArea(id, fly) {
  const prev = state.area ? state.area.id : null;
  showTab('area');
  const el = $('tab-area');
  el.innerHTML = '<p class="muted">Loading…</p>';
  let a;
  try {
    a = await get(`/api/v1/areas/${encodeURIComponent(id)}`, { scenario: state.scenario });
  } catch (err) {
    el.innerHTML = `<p class="restricted">${esc(err.message)}</p>`;
    return;
  }
  state.area = a;
  writeHash();
  setSelected(map, 'areas', 'areas', prev, a.id);
  if (fly) fitBBox(map, a.bbox, 13);
  const sc = a.scenario;
  el.innerHTML = `<h3>Area ${esc(a.id)} <span class="muted">${esc(a.municipality || muniName(a.kommun_code))}</span></h3>` +
    kv([
      ['Class', esc(a.class) + (a.stranded ? ' (stranded)' : '')],
      ['Premises', int(a.premises)],
      ['Households', int(a.households)],
      ['Workplaces', int(a.workplaces)],
      ['Anchors (schools, health, …)', int(a.anchors)],
      ['Double gaps', int(a.double_gaps)],
      ['Region-marked premises', int(a.priority_premises)],
      ['Distance to fibre', a.distance_to_fiber === null || a.distance_to_fiber === undefined ? '–' : int(a.distance_to_fiber) + ' m'],
    ]) +
    `<h4>Cost options</h4><table class="costs"><thead><tr><th>Option</th><th class="num">Low</th><th class="num">Expected</th><th class="num">High</th><th class="num">Subsidy</th><th>Meets target</th></tr></thead><tbody>${
      (a.costs || []).map((c) => `<tr${c.chosen ? ' class="current"' : ''}><td>${esc(c.option)}${c.chosen ? ' (chosen)' : ''}</td><td class="num">${mkr(c.low)}</td><td class="num">${mkr(c.expected)}</td><td class="num">${mkr(c.high)}</td><td class="num">${mkr(c.subsidy)}</td><td>${yesno(c.meets_target)}</td></tr>`).join('') ||
      '<tr><td colspan="6" class="muted">Not costed.</td></tr>'
    }</tbody></table>` +
    (sc ? `<h4>In scenario ${esc(sc.id ?? state.scenario)}</h4>` + kv([
      ['Rank', int(sc.rank)],
      ['Score', dec(sc.score)],
      ['Ranking amount', sek(sc.ranking_amount)],
      ['Requested subsidy', sek(sc.subsidy)],
      ['Cost option', esc(sc.cost_option)],
      ['Selected', yesno(sc.selected)],
      ['Selection rule', esc(sc.rule)],
      ['Running budget', sek(sc.running_budget)],
    ]) + `<h4>Explanation</h4><div class="explanation">${explanationHTML(sc.explanation) || '<p class="muted">No explanation stored.</p>'}</div>`
      : `<p class="muted">${state.scenario ? 'This area is not ranked in the scenario.' : 'Choose a scenario to see its rank and explanation.'}</p>`);
  markTableRow(a.id);
}

// ---- ranking table ------------------------------------------------------------

// rankingColumns lists the ranking table's columns; csvOnly ones go to the
// CSV download but would make the table too wide for the panel.
function rankingColumns() {
  const sc = (a) => a.scenario || null;
  const subsidy = (a) => (sc(a) ? sc(a).subsidy : a.chosen && a.chosen.subsidy);
  const cols = [];
  if (state.scenario) cols.push({ key: 'rank', label: 'Rank', num: true, value: (a) => sc(a) && sc(a).rank });
  cols.push(
    { key: 'id', label: 'Area', num: true, value: (a) => a.id },
    { key: 'municipality', label: 'Municipality', value: (a) => a.municipality || muniName(a.kommun_code) },
    { key: 'class', label: 'Class', value: (a) => a.class, csvOnly: true },
    { key: 'premises', label: 'Premises', num: true, value: (a) => a.premises },
    { key: 'households', label: 'Households', num: true, value: (a) => a.households },
    { key: 'option', label: 'Option', value: (a) => (sc(a) ? sc(a).cost_option : a.chosen && a.chosen.option) },
    { key: 'subsidy', label: 'Subsidy', csvLabel: 'Subsidy (kr)', num: true, value: subsidy, html: (a) => mkr(subsidy(a)) },
  );
  if (state.scenario) {
    cols.push(
      { key: 'score', label: 'Score', num: true, value: (a) => sc(a) && sc(a).score, html: (a) => dec(sc(a) && sc(a).score) },
      { key: 'selected', label: 'Selected', value: (a) => (sc(a) ? (sc(a).selected ? 'yes' : 'no') : ''),
        html: (a) => (sc(a) ? `<span title="${esc(sc(a).rule)}">${yesno(sc(a).selected)}</span>` : '') },
      { key: 'rule', label: 'Rule', value: (a) => sc(a) && sc(a).rule, csvOnly: true },
    );
  }
  cols.push({ key: 'expected', label: 'Expected cost (kr)', value: (a) => a.chosen && a.chosen.expected, csvOnly: true });
  return cols;
}

function rankingRows() {
  let rows = state.areas;
  if (state.municipality) rows = rows.filter((a) => a.kommun_code === state.municipality);
  if (state.onlyInView) {
    const b = map.getBounds();
    rows = rows.filter((a) => a.bbox && a.bbox[0] <= b.getEast() && a.bbox[2] >= b.getWest() && a.bbox[1] <= b.getNorth() && a.bbox[3] >= b.getSouth());
  }
  return rows;
}

function renderRanking() {
  const el = $('tab-table');
  if (!state.me || state.me.role === 'anonymous') {
    el.innerHTML = '<p class="restricted">Sign in to see the candidate areas.</p>';
    return;
  }
  const rows = rankingRows();
  el.innerHTML = `<div class="toolbar"><span>${int(rows.length)} of ${int(state.areas.length)} areas${state.municipality ? ' in ' + esc(muniName(state.municipality)) : ''}</span>
    <label><input type="checkbox" id="only-in-view"${state.onlyInView ? ' checked' : ''}> only in view</label>
    <button type="button" id="csv">Download CSV</button></div><div id="ranking"></div>`;
  const csvCols = rankingColumns();
  const cols = csvCols.filter((c) => !c.csvOnly);
  const tableEl = $('ranking');
  if (!tableEl.bbplanSort) tableEl.bbplanSort = state.rankingSort || { key: state.scenario ? 'rank' : 'id', dir: 1 };
  state.rankingSort = tableEl.bbplanSort;
  renderTable(tableEl, cols, rows, { rowId: (a) => a.id, onRow: (id) => openArea(id, true), current: () => state.area && state.area.id });
  $('only-in-view').addEventListener('change', (ev) => {
    state.onlyInView = ev.target.checked;
    renderRanking();
  });
  $('csv').addEventListener('click', () => {
    const sorted = sortRows(cols, rows, state.rankingSort);
    const name = `bbplan-areas-run${state.run}${state.scenario ? '-scenario' + state.scenario : ''}${state.municipality ? '-' + state.municipality : ''}.csv`;
    download(name, toCSV(csvCols, sorted));
  });
}

function markTableRow(id) {
  document.querySelectorAll('#ranking tbody tr').forEach((tr) => {
    const on = tr.dataset.id === String(id);
    tr.classList.toggle('current', on);
    if (on) tr.scrollIntoView({ block: 'nearest' });
  });
}

map.on('moveend', () => {
  if (state.onlyInView && !$('tab-table').hidden) renderRanking();
});

function plural(n, word) {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

// ---- compare ----------------------------------------------------------------

function clearCompareState() {
  if (map.getSource('areas')) map.removeFeatureState({ source: 'areas', sourceLayer: 'areas' });
  if (state.area) setSelected(map, 'areas', 'areas', null, state.area.id);
}

$('scenario-b').addEventListener('change', () => {
  state.scenarioB = $('scenario-b').value;
  loadCompare();
});

async function loadCompare() {
  const out = $('compare-out');
  if (!state.me || state.me.role === 'anonymous') {
    out.innerHTML = '<p class="restricted">Sign in to compare scenarios.</p>';
    return;
  }
  if (!state.scenario) {
    out.innerHTML = '<p class="muted">Choose a scenario at the top first.</p>';
    return;
  }
  if (!state.scenarioB || state.scenarioB === state.scenario || !state.scenarios.some((s) => String(s.id) === state.scenarioB)) {
    const other = state.scenarios.find((s) => String(s.id) !== state.scenario);
    state.scenarioB = other ? String(other.id) : '';
  }
  $('scenario-b').value = state.scenarioB;
  if (!state.scenarioB) {
    out.innerHTML = '<p class="muted">The run has only one scenario.</p>';
    return;
  }
  out.innerHTML = '<p class="muted">Loading…</p>';
  let c;
  try {
    c = await get(`/api/v1/scenarios/${encodeURIComponent(state.scenario)}/compare/${encodeURIComponent(state.scenarioB)}`);
  } catch (err) {
    out.innerHTML = `<p class="restricted">${esc(err.message)}</p>`;
    return;
  }
  if ($('tab-compare').hidden) return;
  state.compare = c;
  clearCompareState();
  refreshMap();
  for (const x of c.only_a || []) map.setFeatureState({ source: 'areas', sourceLayer: 'areas', id: x.area_id }, { cmp: CMP_ONLY_A });
  for (const x of c.only_b || []) map.setFeatureState({ source: 'areas', sourceLayer: 'areas', id: x.area_id }, { cmp: CMP_ONLY_B });
  renderLegend();
  // Areas in only one scenario: their rank and subsidy there, their rank in
  // the other, and the rule that left them out of it.
  const cols = (side) => {
    const other = side === 'a' ? 'b' : 'a';
    return [
      { key: 'area', label: 'Area', num: true, value: (x) => x.area_id },
      { key: 'm', label: 'Municipality', value: (x) => muniName(x.kommun_code) },
      { key: 'rank', label: `Rank ${side.toUpperCase()}`, num: true, value: (x) => x['rank_' + side] ?? x.rank },
      { key: 'rankother', label: `Rank ${other.toUpperCase()}`, num: true, value: (x) => x['rank_' + other] },
      { key: 'subsidy', label: 'Subsidy', num: true, value: (x) => x['subsidy_' + side] ?? x.subsidy, html: (x) => mkr(x['subsidy_' + side] ?? x.subsidy) },
      { key: 'reason', label: 'Why', value: (x) => x.reason || x['rule_' + other] },
    ];
  };
  const bars = (c.municipalities || []).map((m) => ({ label: muniName(m.kommun_code || m.code), a: m.budget_a, b: m.budget_b }));
  const side = (x) => `<strong>${esc(x.name)}</strong>${x.budget !== undefined ? ` (${esc(x.strategy || '')}, ${mkr(x.allocated)} of ${mkr(x.budget)}, ${plural(x.selected || 0, 'area')})` : ''}`;
  out.innerHTML = `<p>A: ${side(c.a)}<br>B: ${side(c.b)}</p>
    ${(c.param_changes || []).length ? `<p class="muted">Differences: ${c.param_changes.map(esc).join('; ')}</p>` : ''}
    <p><span class="swatch" style="background:${COMPARE_COLOURS.a}"></span> ${plural((c.only_a || []).length, 'area')} only in A,
    <span class="swatch" style="background:${COMPARE_COLOURS.b}"></span> ${plural((c.only_b || []).length, 'area')} only in B,
    ${plural((c.rank_changes || []).length, 'area')} change rank.</p>
    <h4>Budget per municipality</h4>${pairedBars(bars, { colourA: COMPARE_COLOURS.a, colourB: COMPARE_COLOURS.b, nameA: 'A: ' + c.a.name, nameB: 'B: ' + c.b.name })}
    <h4>Only in A: ${esc(c.a.name)}</h4><div id="only-a"></div>
    <h4>Only in B: ${esc(c.b.name)}</h4><div id="only-b"></div>`;
  const fly = (id) => openAreaKeepCompare(id);
  renderTable($('only-a'), cols('a'), c.only_a || [], { rowId: (x) => x.area_id, onRow: fly, sort: { key: 'rank', dir: 1 } });
  renderTable($('only-b'), cols('b'), c.only_b || [], { rowId: (x) => x.area_id, onRow: fly, sort: { key: 'rank', dir: 1 } });
}

// openAreaKeepCompare flies to an area from the comparison without leaving it.
async function openAreaKeepCompare(id) {
  const a = state.areas.find((x) => String(x.id) === String(id));
  if (a) fitBBox(map, a.bbox, 13);
  const prev = state.area ? state.area.id : null;
  state.area = a || { id };
  setSelected(map, 'areas', 'areas', prev, id);
}

boot();
