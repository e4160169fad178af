#!/usr/bin/env node
// Front-end build for the ATMP Site Readiness Portal.
//
//   npm ci && npm run build          one-off build (CI, deploy, fresh checkout)
//   npm run build -- --watch         rebuild CSS when static/src/*.scss changes
//
// Produces static/build/ (git-ignored), served by Django staticfiles at
// /static/build/ because STATICFILES_DIRS = [BASE_DIR / "static"]:
//
//   static/build/portal.css                     compiled from static/src/portal.scss
//   static/build/nhsuk/nhsuk-frontend.min.js    NHS.UK frontend (ES module) + .map
//   static/build/nhsuk/assets/                  NHS.UK icons, favicons, manifest.json
//   static/build/htmx.min.js                    htmx 2.0.x
//   static/build/axe.min.js                     axe-core (browser accessibility tests)
//   static/build/geo/countries-50m.json         Natural Earth country shapes (world-atlas)
//
// The build is idempotent: static/build is recreated from scratch every run.
// No dependencies beyond `sass` (and Node's standard library).

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const STATIC_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(STATIC_DIR);
const NODE_MODULES = join(ROOT, "node_modules");
const SRC = join(STATIC_DIR, "src");
const OUT = join(STATIC_DIR, "build");

// Must agree with $nhsuk-assets-path in static/src/portal.scss.
const ASSETS_URL = "/static/build/nhsuk/assets/";

const NHSUK_DIST = join(NODE_MODULES, "nhsuk-frontend", "dist", "nhsuk");

// [source, destination relative to OUT]
const COPIES = [
  [join(NHSUK_DIST, "nhsuk-frontend.min.js"), "nhsuk/nhsuk-frontend.min.js"],
  // The minified JS ends with a sourceMappingURL comment; Django's
  // ManifestStaticFilesStorage fails collectstatic if the .map is missing.
  [join(NHSUK_DIST, "nhsuk-frontend.min.js.map"), "nhsuk/nhsuk-frontend.min.js.map"],
  [join(NHSUK_DIST, "assets"), "nhsuk/assets"],
  [join(NODE_MODULES, "htmx.org", "dist", "htmx.min.js"), "htmx.min.js"],
  [join(NODE_MODULES, "axe-core", "axe.min.js"), "axe.min.js"],
  // Natural Earth 1:50m country shapes (public domain) as TopoJSON: reports/ukmap.py draws the
  // national map from it on the server.
  [join(NODE_MODULES, "world-atlas", "countries-50m.json"), "geo/countries-50m.json"],
];

const rel = (p) => relative(ROOT, p);

function fail(message) {
  console.error(`build: ERROR: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

function compileCss() {
  const entry = join(SRC, "portal.scss");
  const result = sass.compile(entry, {
    loadPaths: [NODE_MODULES],
    style: "compressed",
    // Deprecation warnings from inside nhsuk-frontend are not ours to fix.
    quietDeps: true,
  });
  const css = result.css;

  // Guard rails: never ship the remote Frutiger font or /assets/ icon URLs.
  if (css.includes("assets.nhs.uk")) fail("compiled CSS references assets.nhs.uk");
  if (css.includes("@font-face")) fail("compiled CSS contains @font-face rules");
  const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]);
  const bad = urls.filter((u) => !u.startsWith(ASSETS_URL) && !u.startsWith("data:"));
  if (bad.length) fail(`unexpected url() targets in CSS: ${[...new Set(bad)].join(", ")}`);
  for (const u of new Set(urls.filter((x) => x.startsWith(ASSETS_URL)))) {
    const file = join(NHSUK_DIST, "assets", u.slice(ASSETS_URL.length));
    if (!existsSync(file)) fail(`CSS references ${u} but ${rel(file)} does not exist`);
  }

  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "portal.css"), css + "\n");
  return { bytes: Buffer.byteLength(css), urls: new Set(urls).size };
}

function copyRuntimeFiles() {
  for (const [src, dest] of COPIES) {
    if (!existsSync(src)) fail(`missing ${rel(src)} – run \`npm ci\` first`);
    cpSync(src, join(OUT, dest), { recursive: true });
  }
}

function build() {
  const started = performance.now();
  if (!existsSync(join(NODE_MODULES, "nhsuk-frontend"))) {
    fail("node_modules/nhsuk-frontend not found – run `npm ci` first");
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  copyRuntimeFiles();
  const css = compileCss();
  const version = JSON.parse(readFileSync(join(NODE_MODULES, "nhsuk-frontend", "package.json"), "utf8")).version;
  const ms = Math.round(performance.now() - started);
  console.log(
    `build: ${rel(OUT)}/ ready in ${ms} ms (portal.css ${(css.bytes / 1024).toFixed(1)} KiB, ` +
      `${css.urls} asset URLs, nhsuk-frontend ${version})`,
  );
}

function watchCss() {
  console.log(`build: watching ${rel(SRC)}/ for changes (Ctrl+C to stop)`);
  let timer = null;
  watch(SRC, { recursive: true }, (_event, filename) => {
    if (!filename || !filename.endsWith(".scss")) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        const started = performance.now();
        compileCss();
        console.log(`build: portal.css rebuilt in ${Math.round(performance.now() - started)} ms`);
      } catch (err) {
        console.error(err.message ?? err);
      }
    }, 50);
  });
}

try {
  build();
  if (process.argv.includes("--watch")) watchCss();
} catch (err) {
  if (!process.exitCode) console.error(err);
  process.exitCode = 1;
}
