// Renders static/icons/icon.svg to the PNG sizes the web app manifest names, with
// the Chromium the tests use (no image library needed). The PNGs are committed;
// run this again after changing the SVG: node apps/web/scripts/make-icons.mjs
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const icons = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../static/icons");
const svg = readFileSync(path.join(icons, "icon.svg"), "utf8");
const outputs = [
  ["icon-192.png", 192],
  ["icon-512.png", 512],
  ["icon-maskable-512.png", 512],
  ["apple-touch-icon.png", 180],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  for (const [name, size] of outputs) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<html><body style="margin:0">${svg.replace("<svg ", `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.screenshot({ path: path.join(icons, name), omitBackground: false });
    await page.close();
  }
} finally {
  await browser.close();
}
