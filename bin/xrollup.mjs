#!/usr/bin/env node
// Entry point of the `xrollup` command. The sources are TypeScript; tsx
// loads them on the fly, so the package needs no build step.
//
// Plain JavaScript that any Node can parse, so that an older Node (the one
// first on PATH may be the system's) gets one line saying what to do, not a
// stack trace from deep inside Hardhat.

/** Oldest Node that runs xrollup: Hardhat 3's requirement, as in package.json's "engines". */
const REQUIRED = [22, 13];

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < REQUIRED[0] || (major === REQUIRED[0] && minor < REQUIRED[1])) {
  console.error(
    `xrollup: Node >= ${REQUIRED.join(".")} is needed, this is Node ${process.versions.node}; ` +
      "run it as `npx xrollup …` in the project (npm puts the project's Node 22 first on PATH), " +
      "or as `npx -y -p node@22 -- npx xrollup …`.",
  );
  process.exit(1);
}

let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error("xrollup: the dependencies are not installed; run `npm ci` in the project first.");
  process.exit(1);
}
register();
await import("../cli/index.ts");
