// Copy the pinned front-end libraries from node_modules into static/vendor (git-ignored).
// Each file's source map is copied too, so whitenoise's manifest storage finds what it names.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const files = {
  "tabler/tabler.min.css": "@tabler/core/dist/css/tabler.min.css",
  "tabler/tabler.min.js": "@tabler/core/dist/js/tabler.min.js",
  "alpine/alpine-csp.min.js": "@alpinejs/csp/dist/cdn.min.js",
  "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
  "sortable/Sortable.min.js": "sortablejs/Sortable.min.js",
  "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
  "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
  "swagger-ui/swagger-ui-standalone-preset.js": "swagger-ui-dist/swagger-ui-standalone-preset.js",
  "swagger-ui/favicon-32x32.png": "swagger-ui-dist/favicon-32x32.png",
};

const out = "static/vendor";
rmSync(out, { recursive: true, force: true });
for (const [target, source] of Object.entries(files)) {
  const from = join("node_modules", source);
  const to = join(out, target);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
  if (existsSync(`${from}.map`)) cpSync(`${from}.map`, `${to}.map`);
}
console.log(`copied ${Object.keys(files).length} front-end files to ${out}`);
