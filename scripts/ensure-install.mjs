// Runs before `npm start` and `npm test` (as prestart/pretest), under
// whatever Node the machine has. Hardhat 3 needs Node >= 22.13 and EDR's
// native binary, which npm skips when it installs under an older Node; so the
// dependencies are installed under Node 22 from the npm registry, once. After
// that, the `node` devDependency puts Node 22 first on every npm script's PATH.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const required = [
  "node_modules/.bin/node",
  "node_modules/hardhat/package.json",
  "node_modules/@nomicfoundation/edr-linux-x64-gnu/package.json",
];

if (process.platform === "linux" && process.arch === "x64" && !required.every((file) => existsSync(path.join(root, file)))) {
  console.error("xrollup: installing dependencies under Node 22 (first run only)…");
  execFileSync("npx", ["-y", "-p", "node@22", "--", "npm", "ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
}

// The HTML report's test draws it in a real browser: Debian's Chromium, never
// a browser download. Installed once, as root, from Debian's packages.
const CHROMIUM = "/usr/bin/chromium";
if (process.env.npm_lifecycle_event === "pretest" && !existsSync(CHROMIUM)) {
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.error("xrollup: installing Debian's chromium for the report test (first run only)…");
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } else {
    console.error(`xrollup: ${CHROMIUM} is missing; the HTML report test needs Debian's chromium (apt-get install chromium).`);
  }
}
