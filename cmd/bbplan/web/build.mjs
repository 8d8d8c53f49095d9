// build.mjs bundles the web map into dist/ (committed, embedded by web.go).
// Run it with `npm ci && npm run build` in cmd/bbplan/web.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');

const result = await esbuild.build({
  entryPoints: { app: 'src/main.js', style: 'src/style.css' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: 'dist',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
copyFileSync('src/index.html', 'dist/index.html');
// MapLibre's licence travels with the bundle that contains it.
copyFileSync('node_modules/maplibre-gl/LICENSE.txt', 'dist/LICENSE-maplibre-gl.txt');

for (const [name, out] of Object.entries(result.metafile.outputs)) {
  console.log(`${name} ${(out.bytes / 1024).toFixed(0)} KiB`);
}
