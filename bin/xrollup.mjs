#!/usr/bin/env node
// Entry point of the `xrollup` command. In a checkout of the repository the
// sources are TypeScript and tsx loads them on the fly, so working on them
// needs no build step; an installed package ships no sources, only the
// JavaScript that `npm run build` emits to dist/, which plain Node runs.
//
// Plain JavaScript that any Node can parse, so that an older Node (the one
// first on PATH may be the system's) gets one line saying what to do, not a
// stack trace from deep inside Hardhat.
import { existsSync } from "node:fs";

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

const sources = new URL("../cli/index.ts", import.meta.url);
try {
  if (existsSync(sources)) {
    const { register } = await import("tsx/esm/api");
    register();
    await import(sources.href);
  } else {
    await import("../dist/cli/index.js");
  }
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error(
    existsSync(sources)
      ? "xrollup: the dependencies are not installed; run `npm ci` in the project first."
      : `xrollup: this installation is incomplete (${error.message}); reinstall xrollup.`,
  );
  process.exit(1);
}
