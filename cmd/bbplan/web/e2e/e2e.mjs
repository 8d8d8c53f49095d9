// e2e.mjs drives the web map in headless Chromium against a running bbplan
// server (BBPLAN_URL) with the fixture of cmd/bbplan/e2e. It exits non-zero
// on any failed check, console error, page error or request to another host.
// Run it through `go test ./cmd/bbplan/e2e/`, which starts the server.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const base = process.env.BBPLAN_URL;
const shots = process.env.BBPLAN_SCREENSHOTS;
const tokens = {
  planner: process.env.BBPLAN_PLANNER_TOKEN,
  committee: process.env.BBPLAN_COMMITTEE_TOKEN,
  municipality: process.env.BBPLAN_MUNICIPALITY_TOKEN,
};
const OWN = '2480'; // the municipality token's municipality (Umeå)
const OTHER = '2460'; // a neighbour (Vännäs)
if (!base || !shots || !tokens.planner || !tokens.municipality) {
  console.error('e2e.mjs: BBPLAN_URL, BBPLAN_SCREENSHOTS and the tokens must be set (run it via go test)');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const problems = [];
const origin = new URL(base).origin;
let step = 'start';

function check(cond, what) {
  if (!cond) throw new Error(`${step}: ${what}`);
  console.log(`ok  ${step}: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.BBPLAN_CHROMIUM || '/usr/bin/chromium',
  // With the GPU off, MapLibre's WebGL runs on SwiftShader, which newer
  // Chromium only allows when asked for.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol !== 'data:' && u.protocol !== 'blob:' && u.origin !== origin) problems.push(`request to another host: ${req.url()}`);
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error (${step}): ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error (${step}): ${err.message}`));
  page.on('requestfailed', (req) => {
    // MapLibre cancels the requests of tiles it no longer needs while moving.
    const why = req.failure() && req.failure().errorText;
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed (${step}): ${req.url()} ${why}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} (${step}): ${res.url()}`);
  });

  // waitIdle waits until the map has stopped moving and every tile is in.
  const waitIdle = async () => {
    await page.waitForFunction(() => {
      const m = window.bbplan && window.bbplan.map;
      return m && m.loaded() && m.areTilesLoaded() && !m.isMoving();
    }, null, { timeout: 30000 });
    await page.waitForTimeout(300);
  };
  const rendered = (layer) => page.evaluate((l) => (window.bbplan.map.getLayer(l) ? window.bbplan.map.queryRenderedFeatures({ layers: [l] }).length : -1), layer);
  const signIn = async (token, role) => {
    if (await page.isVisible('#signout-btn')) await page.click('#signout-btn');
    await page.fill('#token', token);
    await page.click('#signin-btn');
    await page.waitForFunction((r) => window.bbplan.state.me && window.bbplan.state.me.role === r, role);
    await page.waitForFunction(() => window.bbplan.state.ready);
    await waitIdle();
  };

  step = 'anonymous map';
  await page.goto(base + '/');
  await page.waitForFunction(() => window.bbplan && window.bbplan.state.ready);
  await waitIdle();
  check(await page.locator('#map canvas.maplibregl-canvas').count() === 1, 'map canvas present');
  check(await rendered('muni-fill') > 0, 'municipality polygons rendered');
  check(await rendered('cells-fill') > 0, 'grid cells rendered');
  check(await rendered('areas-fill') === -1, 'no area layer without a token');
  check(await page.isHidden('[data-layer="areas"]') && await page.isHidden('#premises-switch'), 'no area or premise switches without a token');
  check((await page.textContent('#notice')).includes('aggregates only'), 'notice says aggregates only');
  const t = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
  console.log(`    page ready to script in ${Math.round(t)} ms`);
  await page.screenshot({ path: join(shots, '01-anonymous.png') });

  step = 'planner overview';
  await signIn(tokens.planner, 'planner');
  check(await page.$eval('#scenario', (s) => s.options.length) >= 2, 'scenario picker filled');
  check(await rendered('areas-fill') > 0, 'candidate areas rendered');
  check(await page.$$eval('#muni-table tbody tr', (r) => r.length) >= 3, 'municipality table listed');
  check(await page.$$eval('#tab-muni svg.chart rect', (r) => r.length) >= 6, 'share chart drawn');
  await page.screenshot({ path: join(shots, '02-overview.png') });

  step = 'choose a municipality';
  await page.selectOption('#municipality', OWN);
  await page.waitForSelector('#gaps table');
  await waitIdle();
  check((await page.textContent('#tab-muni h3')).includes('Umeå'), 'statistics panel shows Umeå');
  check((await page.textContent('#tab-muni')).includes('Budget in scenario'), 'budget allocated shown');
  check(await page.$$eval('#gaps tbody tr', (r) => r.length) > 0, 'eligible premises listed');
  const zoom = await page.evaluate(() => window.bbplan.map.getZoom());
  check(zoom > 7.5, `map zoomed to the municipality (z ${zoom.toFixed(1)})`);
  await page.screenshot({ path: join(shots, '03-municipality.png') });

  step = 'click an area';
  // Centre the map on a selected area of the own municipality and click the
  // middle of the map, as a user would.
  const target = await page.evaluate((own) => {
    const { map, state } = window.bbplan;
    const a = state.areas.find((x) => x.kommun_code === own && x.scenario && x.scenario.selected) || state.areas.find((x) => x.kommun_code === own);
    map.jumpTo({ center: a.centroid, zoom: 12.5 });
    return { id: a.id };
  }, OWN);
  await waitIdle();
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForSelector('#tab-area .explanation');
  check((await page.textContent('#tab-area h3')).includes(`Area ${target.id}`), `area ${target.id} panel opened`);
  const explanation = await page.textContent('#tab-area .explanation');
  check(explanation.includes('premises') && explanation.includes('Selection rule') && explanation.includes('Contribution'), 'explanation lists criteria, contributions and the selection rule');
  check(await page.$$eval('#tab-area table.costs tbody tr', (r) => r.length) === 3, 'three cost options');
  await waitIdle();
  await page.screenshot({ path: join(shots, '04-area.png') });

  step = 'ranking table';
  await page.click('button[data-tab="table"]');
  await page.click('#ranking th[data-key="premises"]');
  await page.click('#ranking th[data-key="premises"]');
  const premises = await page.$eval('#ranking table', (t) => {
    const col = [...t.querySelectorAll('thead th')].findIndex((th) => th.dataset.key === 'premises');
    return [...t.querySelectorAll('tbody tr')].map((r) => Number(r.children[col].textContent.replace(/\s/g, '')));
  });
  check(premises.length > 0 && premises.every((v, i) => i === 0 || premises[i - 1] >= v), 'sorted by premises, descending');
  const firstId = await page.$eval('#ranking tbody tr:not(.current)', (r) => r.dataset.id);
  await page.click(`#ranking tbody tr[data-id="${firstId}"]`);
  await page.waitForFunction((id) => window.bbplan.state.area && String(window.bbplan.state.area.id) === id, firstId);
  await waitIdle();
  const centre = await page.evaluate((id) => {
    const { map, state } = window.bbplan;
    const a = state.areas.find((x) => String(x.id) === id);
    const c = map.getCenter();
    return { inside: c.lng >= a.bbox[0] - 0.01 && c.lng <= a.bbox[2] + 0.01 && c.lat >= a.bbox[1] - 0.01 && c.lat <= a.bbox[3] + 0.01 };
  }, firstId);
  check(centre.inside, `map flew to area ${firstId}`);
  await page.click('button[data-tab="table"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
  check(csv[0].startsWith('Rank,Area,Municipality'), 'CSV has a header row');
  check(csv.length - 1 === premises.length, `CSV has one line per table row (${csv.length - 1})`);
  const header = csv[0].split(',');
  const csvPremises = csv.slice(1).map((l) => Number(l.split(',')[header.indexOf('Premises')]));
  check(csvPremises.join() === premises.join(), 'CSV rows in the order of the table');
  await page.screenshot({ path: join(shots, '05-ranking.png') });

  step = 'compare scenarios';
  await page.selectOption('#municipality', '');
  await waitIdle();
  await page.click('button[data-tab="compare"]');
  await page.waitForSelector('#compare-out svg.chart');
  const onlyA = await page.$$eval('#only-a tbody tr', (r) => r.length);
  const onlyB = await page.$$eval('#only-b tbody tr', (r) => r.length);
  check(onlyA + onlyB > 0, `areas differ (${onlyA} only in A, ${onlyB} only in B)`);
  check(await page.$$eval('#compare-out svg.chart rect', (r) => r.length) > 4, 'budget chart drawn');
  await waitIdle();
  const coloured = await page.evaluate(() => {
    const { map, state } = window.bbplan;
    const id = (state.compare.only_a[0] || state.compare.only_b[0]).area_id;
    return map.getFeatureState({ source: 'areas', sourceLayer: 'areas', id }).cmp;
  });
  check(coloured === 1 || coloured === 2, 'differing areas marked on the map');
  await page.screenshot({ path: join(shots, '06-compare.png') });

  step = 'committee';
  await signIn(tokens.committee, 'committee');
  check(await rendered('premises-circle') === -1, 'no premise layer for a committee');
  await page.selectOption('#municipality', OWN);
  await page.waitForSelector('[data-restricted="premises"]');
  check(true, 'premise detail marked as not available');

  step = 'municipality token';
  await signIn(tokens.municipality, 'municipality');
  check((await page.textContent('#notice')).includes('Umeå only'), 'notice names the own municipality');
  await page.selectOption('#municipality', OTHER);
  await page.waitForSelector('[data-restricted="premises"]');
  check((await page.textContent('[data-restricted="premises"]')).includes('Umeå'), 'other municipality: premise detail refused, says why');
  // Look closely at an area of each municipality, where premises cluster.
  const seen = {};
  for (const code of [OWN, OTHER]) {
    await page.evaluate((c) => {
      const { map, state } = window.bbplan;
      const a = state.areas.find((x) => x.kommun_code === c);
      map.jumpTo({ center: a.centroid, zoom: 12 });
    }, code);
    await waitIdle();
    seen[code] = await page.evaluate(() => window.bbplan.map.querySourceFeatures('premises', { sourceLayer: 'premises' })
      .filter((f) => f.properties.aggregated !== true).map((f) => f.properties.kommun_code));
  }
  check(seen[OWN].length > 0, `own premises visible (${seen[OWN].length})`);
  check([...seen[OWN], ...seen[OTHER]].every((c) => c === OWN), 'no premise of another municipality in any tile');
  await page.screenshot({ path: join(shots, '07-municipality-token.png') });
  const res = await fetch(`${base}/api/v1/municipalities/${OTHER}/gaps`, { headers: { Authorization: `Bearer ${tokens.municipality}` } });
  check(res.status === 403, `gaps of another municipality answer 403 (${res.status})`);
} catch (err) {
  failed = true;
  console.error('FAIL', err.message);
  try {
    const page = browser.contexts()[0].pages()[0];
    console.error('notice:', await page.textContent('#notice'));
    for (const id of ['tab-muni', 'tab-area', 'tab-table', 'tab-compare']) {
      if (!(await page.isHidden('#' + id))) console.error(`${id}:`, (await page.textContent('#' + id)).replace(/\s+/g, ' ').slice(0, 2000));
    }
    await page.screenshot({ path: join(shots, 'failure.png') });
  } catch (e) {
    console.error('no page state:', e.message);
  }
} finally {
  await browser.close();
}
for (const p of problems) console.error('FAIL', p);
process.exit(failed || problems.length ? 1 : 0);
