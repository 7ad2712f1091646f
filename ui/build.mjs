// Builds the classroom page into ui/dist/: one bundled script (esbuild), the
// page and its stylesheet. Everything the page needs ships in ui/dist, so it
// works offline; the devnet serves the folder at /ui/ on the L1 port.
// Plain JavaScript so that `npm run build:ui` needs nothing but Node and esbuild.
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const uiRoot = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(uiRoot, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [path.join(uiRoot, "src", "main.ts")],
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "esm",
  // Chromium, Firefox and Safari of the last two years: every browser a classroom projector runs.
  target: ["chrome115", "firefox115", "safari16"],
  minify: true,
  sourcemap: "linked",
  logLevel: "warning",
});
await Promise.all(["index.html", "styles.css"].map((file) => copyFile(path.join(uiRoot, file), path.join(dist, file))));
