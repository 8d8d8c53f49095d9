// map.js builds the MapLibre map: a style with no glyphs, sprites or basemap
// (everything comes from this server), the bbplan tile layers, and their
// colouring. Tiles carry the run and scenario in the query so that the
// browser cache follows the server's ETags per run.
import maplibregl from 'maplibre-gl';
import { authHeaders } from './api.js';
import { viridis, cividis, ramp, classColour, classColours, okabeIto } from './palettes.js';

// PREMISE_MIN_ZOOM matches the server default (server.premise_min_zoom);
// below it the premise layer holds aggregated cells, which the cells layer
// already shows, so the points layer starts here.
export const PREMISE_MIN_ZOOM = 11;

const VASTERBOTTEN = [[14.3, 63.4], [21.6, 66.4]];

export const CMP_ONLY_A = 1;
export const CMP_ONLY_B = 2;

export function createMap(container) {
  const origin = window.location.origin;
  const map = new maplibregl.Map({
    container,
    style: {
      version: 8,
      sources: {},
      layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe5ec' } }],
    },
    bounds: VASTERBOTTEN,
    fitBoundsOptions: { padding: 20 },
    attributionControl: false,
    // The bearer token travels with tile requests to this server only.
    transformRequest: (url) => (url.startsWith(origin + '/') ? { url, headers: authHeaders() } : { url }),
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

function tileURL(layer, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `${window.location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt${s ? '?' + s : ''}`;
}

function setSource(map, id, url, extra) {
  const src = map.getSource(id);
  if (src) {
    if (src.bbplanURL !== url) {
      src.setTiles([url]);
      src.bbplanURL = url;
    }
    return;
  }
  map.addSource(id, { type: 'vector', tiles: [url], minzoom: 0, maxzoom: 14, ...extra });
  map.getSource(id).bbplanURL = url;
}

function removeSource(map, id, layers) {
  for (const l of layers) if (map.getLayer(l)) map.removeLayer(l);
  if (map.getSource(id)) map.removeSource(id);
}

// syncLayers adds, updates or removes the sources and layers for the current
// run, scenario and role. me.premises "none" never requests premise tiles,
// which the server would refuse.
export function syncLayers(map, { me, run, scenario, compare, areaColour, maxRank, visible }) {
  const canAreas = me.role !== 'anonymous';
  setSource(map, 'municipalities', tileURL('municipalities', { run }), { promoteId: 'code' });
  setSource(map, 'cells', tileURL('cells', { run }));
  if (!map.getLayer('muni-fill')) {
    map.addLayer({ id: 'muni-fill', type: 'fill', source: 'municipalities', 'source-layer': 'municipalities',
      paint: { 'fill-color': '#fbfbf8' } });
    map.addLayer({ id: 'cells-fill', type: 'fill', source: 'cells', 'source-layer': 'cells', minzoom: 6,
      paint: { 'fill-color': ramp(['get', 'share_target'], viridis, 0, 1), 'fill-opacity': 0.55 } });
    map.addLayer({ id: 'muni-line', type: 'line', source: 'municipalities', 'source-layer': 'municipalities',
      paint: {
        'line-color': ['case', ['boolean', ['feature-state', 'sel'], false], '#000000', '#6b7280'],
        'line-width': ['case', ['boolean', ['feature-state', 'sel'], false], 3, 1],
      } });
  }

  const areaLayers = ['areas-fill', 'areas-line'];
  if (canAreas) {
    // In compare mode the areas of both scenarios must be present, so the
    // tiles are the run's areas and the scenario membership is feature state.
    const areaScenario = compare ? '' : scenario;
    setSource(map, 'areas', tileURL('areas', { run, scenario: areaScenario }), { promoteId: 'id' });
    if (!map.getLayer('areas-fill')) {
      // Areas fade as the map zooms in, so that their premises show through.
      map.addLayer({ id: 'areas-fill', type: 'fill', source: 'areas', 'source-layer': 'areas',
        paint: { 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.85, 13, 0.5] } });
      map.addLayer({ id: 'areas-line', type: 'line', source: 'areas', 'source-layer': 'areas',
        paint: {
          'line-color': ['case', ['boolean', ['feature-state', 'sel'], false], '#000000', '#333333'],
          // Selected areas, and areas in only one of two compared scenarios, stand out.
          'line-width': ['case', ['boolean', ['feature-state', 'sel'], false], 3.5,
            ['>', ['to-number', ['feature-state', 'cmp'], 0], 0], 2, 0.6],
        } });
    }
    map.setPaintProperty('areas-fill', 'fill-color', areaFill({ compare, areaColour, scenario, maxRank }));
  } else {
    removeSource(map, 'areas', areaLayers);
  }

  const premLayers = ['premises-circle'];
  if (me.premises !== 'none') {
    setSource(map, 'premises', tileURL('premises', { run }), { minzoom: PREMISE_MIN_ZOOM });
    if (!map.getLayer('premises-circle')) {
      map.addLayer({ id: 'premises-circle', type: 'circle', source: 'premises', 'source-layer': 'premises',
        minzoom: PREMISE_MIN_ZOOM, filter: ['!=', ['get', 'aggregated'], true],
        paint: {
          'circle-color': ['match', ['get', 'class'], ...Object.entries(classColours).flat(), okabeIto.grey],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 2.5, 16, 6],
          // A double gap (no fixed and no mobile service) gets a black ring.
          'circle-stroke-color': ['case', ['==', ['get', 'double_gap'], true], '#000000', '#ffffff'],
          'circle-stroke-width': ['case', ['==', ['get', 'double_gap'], true], 1.5, 0.8],
        } });
    }
  } else {
    removeSource(map, 'premises', premLayers);
  }

  for (const [group, ids] of Object.entries(layerGroups)) {
    for (const id of ids) {
      if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible[group] === false ? 'none' : 'visible');
    }
  }
}

// clearLayers removes every bbplan source and layer, leaving the background.
export function clearLayers(map) {
  for (const l of map.getStyle().layers) if (l.id !== 'background') map.removeLayer(l.id);
  for (const id of Object.keys(map.getStyle().sources)) map.removeSource(id);
}

const layerGroups = {
  municipalities: ['muni-fill', 'muni-line'],
  cells: ['cells-fill'],
  areas: ['areas-fill', 'areas-line'],
  premises: ['premises-circle'],
};

export const COMPARE_COLOURS = { a: okabeIto.orange, b: okabeIto.skyBlue, both: '#c8ccd2' };
export const UNSELECTED = '#bdbdbd';

function areaFill({ compare, areaColour, scenario, maxRank }) {
  if (compare) {
    return ['match', ['to-number', ['feature-state', 'cmp'], 0],
      CMP_ONLY_A, COMPARE_COLOURS.a, CMP_ONLY_B, COMPARE_COLOURS.b, COMPARE_COLOURS.both];
  }
  if (areaColour === 'rank' && scenario) {
    return ['case', ['==', ['get', 'selected'], true],
      ramp(['to-number', ['get', 'rank'], 0], cividis, 1, Math.max(2, maxRank || 2)),
      UNSELECTED];
  }
  return ['match', ['get', 'class'], ...Object.entries(classColours).flat(), okabeIto.grey];
}

// padding keeps fitted bounds clear of the layer panel over the map's left side.
function padding(map) {
  const panel = document.getElementById('layers');
  const w = map.getContainer().clientWidth;
  const left = panel && w > 700 ? panel.offsetWidth + 30 : 30;
  return { top: 30, bottom: 30, right: 30, left };
}

export function fitBBox(map, bbox, maxZoom = 13) {
  if (!bbox) return;
  map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: padding(map), maxZoom, duration: 800 });
}

export function fitRegion(map) {
  map.fitBounds(VASTERBOTTEN, { padding: padding(map), duration: 800 });
}

// setSelected moves the "sel" feature state from one feature to another.
export function setSelected(map, source, sourceLayer, prev, next) {
  if (!map.getSource(source)) return;
  if (prev !== null && prev !== undefined && prev !== '') map.setFeatureState({ source, sourceLayer, id: prev }, { sel: false });
  if (next !== null && next !== undefined && next !== '') map.setFeatureState({ source, sourceLayer, id: next }, { sel: true });
}

export { classColour };
