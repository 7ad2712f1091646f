#!/usr/bin/env node
// Entry point of the `xrollup` command. The sources are TypeScript; tsx
// loads them on the fly, so the package needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/index.ts");
