// Copies the front-end packages installed by `npm ci` into bangfu/static/vendor,
// so that every page loads them from the platform itself (no CDN on an intranet).
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bangfu", "core", "static", "vendor");
const files = [
  ["node_modules/htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["node_modules/echarts/dist/echarts.min.js", "echarts.min.js"],
];

mkdirSync(out, { recursive: true });
for (const [src, name] of files) {
  const from = join(root, src);
  if (!existsSync(from)) {
    console.error(`missing ${src}: run "npm ci" first`);
    process.exit(1);
  }
  copyFileSync(from, join(out, name));
  console.log(`built ${join("bangfu/core/static/vendor", name)}`);
}
