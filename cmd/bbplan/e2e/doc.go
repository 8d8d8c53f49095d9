// Package e2e holds the end-to-end test of the web map: a bbplan server over
// fixture data, driven in headless Chromium by cmd/bbplan/web/e2e/e2e.mjs.
package e2e
