import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { PROJECT_ROOT } from "../../contracts/artifacts.ts";
import type { HttpResponse } from "../../rollups/rpc-server.ts";

/** Where the classroom view is served on the L1 port. */
export const UI_PATH = "/ui/";

/** Where `npm run build:ui` puts the page, in the package. */
export const UI_DIST = path.join(PROJECT_ROOT, "ui", "dist");

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** What the page's files are sent with: a rebuilt page shows at the next reload, and no other site may frame the controls. */
const COMMON_HEADERS = { "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" };

/**
 * Serves the classroom view from `dist` on the L1 endpoint
 * (`RpcServerParameters.serveGet`): `GET /ui` redirects to `/ui/`, `/ui/`
 * is `index.html`, `/ui/FILE` a file of `dist`; anything outside `dist`
 * is refused (403) and unknown files are 404. Other paths answer
 * `undefined` (the health check). When the page was never built, `/ui/`
 * says how to build it.
 */
export function serveUi(dist: string = UI_DIST): (requestPath: string) => Promise<HttpResponse | undefined> {
  const root = path.resolve(dist);
  return async (requestPath) => {
    const pathname = requestPath.split(/[?#]/, 1)[0]!;
    if (pathname === "/ui") return { status: 301, headers: { Location: UI_PATH, ...COMMON_HEADERS }, body: "" };
    if (!pathname.startsWith(UI_PATH)) return undefined;
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(UI_PATH.length));
    } catch {
      return text(400, "Bad request: the path is not valid percent-encoding.");
    }
    const file = path.resolve(root, relative === "" ? "index.html" : relative);
    // `..`, an absolute path, or a NUL byte: nothing outside the page's own files is served.
    if ((file !== root && !file.startsWith(`${root}${path.sep}`)) || relative.includes("\0")) return text(403, "Forbidden: only the page's own files are served.");
    const found = await stat(file).catch(() => undefined);
    if (found?.isFile() !== true) return relative === "" ? notBuilt(root) : text(404, `Not found: ${pathname}`);
    const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    return { status: 200, headers: { "Content-Type": contentType, ...COMMON_HEADERS }, body: await readFile(file) };
  };
}

function text(status: number, body: string): HttpResponse {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...COMMON_HEADERS }, body };
}

/** `/ui/` when the page was never built (a checkout of the repository before `npm run build:ui`). */
function notBuilt(root: string): HttpResponse {
  const body = [
    "<!doctype html>",
    '<html lang="en"><meta charset="utf-8"><title>xrollup: classroom view not built</title>',
    "<h1>The classroom view is not built</h1>",
    `<p>It is served from <code>${escapeHtml(root)}</code>, which holds no <code>index.html</code>. Run <code>npm run build:ui</code> in the xrollup checkout, then reload this page.</p>`,
    "</html>",
  ].join("\n");
  return { status: 404, headers: { "Content-Type": "text/html; charset=utf-8", ...COMMON_HEADERS }, body };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The classroom view's URL on the L1 endpoint at `l1RpcUrl`; `null` without RPC servers. */
export function uiUrl(l1RpcUrl: string | undefined): string | null {
  return l1RpcUrl === undefined ? null : `${l1RpcUrl}${UI_PATH}`;
}
