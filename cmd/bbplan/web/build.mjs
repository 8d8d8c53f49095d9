// build.mjs bundles the web map into dist/ (committed, embedded by web.go).
// Run it with `npm ci && npm run build` in cmd/bbplan/web. BBPLAN_WEB_OUT
// builds elsewhere (the e2e test uses it to check that dist/ is current).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = process.env.BBPLAN_WEB_OUT || 'dist';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: 'src/main.js', style: 'src/style.css' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync('src/index.html', join(out, 'index.html'));
// MapLibre's licence travels with the bundle that contains it.
copyFileSync('node_modules/maplibre-gl/LICENSE.txt', join(out, 'LICENSE-maplibre-gl.txt'));

for (const [name, o] of Object.entries(result.metafile.outputs)) {
  console.log(`${name} ${(o.bytes / 1024).toFixed(0)} KiB`);
}
