import { request } from "node:http";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { formatBanner } from "../../devnet/banner.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { serveUi } from "../../devnet/view/static.ts";
import type { DevnetInfo } from "../../devnet/view/types.ts";
import { rpc, rpcResult, startTestDevnet } from "../support/fixtures.ts";

/** A GET exactly as written: fetch would resolve `..` in the path before sending it. */
function rawGet(url: string, pathname: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sent = request({ host: hostname, port, path: pathname, method: "GET" }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    sent.on("error", reject);
    sent.end();
  });
}

describe("the classroom view's files (serveUi)", () => {
  let dist: string;
  before(async () => {
    dist = await mkdtemp(path.join(tmpdir(), "xrollup-ui-dist-"));
    await mkdir(path.join(dist, "assets"));
    await writeFile(path.join(dist, "index.html"), "<!doctype html><title>view</title>");
    await writeFile(path.join(dist, "assets", "app.js"), "console.log('view');");
    await writeFile(path.join(dist, "assets", "app.css"), "body{}");
    await writeFile(path.join(path.dirname(dist), `${path.basename(dist)}-secret.txt`), "secret");
  });
  after(async () => {
    await rm(dist, { recursive: true, force: true });
    await rm(path.join(path.dirname(dist), `${path.basename(dist)}-secret.txt`), { force: true });
  });

  const table: [path: string, status: number, contentType: string | undefined][] = [
    ["/ui/", 200, "text/html; charset=utf-8"],
    ["/ui/index.html", 200, "text/html; charset=utf-8"],
    ["/ui/assets/app.js?v=1", 200, "text/javascript; charset=utf-8"],
    ["/ui/assets/app.css", 200, "text/css; charset=utf-8"],
    ["/ui/assets/missing.js", 404, "text/plain; charset=utf-8"],
    ["/ui/assets/", 404, "text/plain; charset=utf-8"],
  ];
  for (const [requested, status, contentType] of table) {
    it(`answers ${requested} with ${status}`, async () => {
      const answer = await serveUi(dist)(requested);
      expect(answer?.status).to.equal(status);
      expect(answer?.headers["Content-Type"]).to.equal(contentType);
    });
  }

  it("redirects /ui to /ui/ and leaves every other path to the health check", async () => {
    const serve = serveUi(dist);
    expect(await serve("/ui")).to.deep.include({ status: 301, headers: { Location: "/ui/", "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY" } });
    expect(await serve("/")).to.equal(undefined);
    expect(await serve("/uix")).to.equal(undefined);
  });

  it("refuses every path that leaves the page's directory", async () => {
    const serve = serveUi(dist);
    for (const escape of ["/ui/../package.json", "/ui/%2e%2e/package.json", `/ui/..%2f${path.basename(dist)}-secret.txt`, "/ui/%2Fetc%2Fpasswd", "/ui/a%00b"]) {
      expect((await serve(escape))?.status, escape).to.equal(403);
    }
    expect((await serve("/ui/%E0%A4%A"))?.status).to.equal(400);
  });

  it("says how to build the page when it was never built", async () => {
    const answer = await serveUi(path.join(dist, "not-built"))("/ui/");
    expect(answer?.status).to.equal(404);
    expect(answer?.headers["Content-Type"]).to.equal("text/html; charset=utf-8");
    expect(String(answer?.body)).to.contain("npm run build:ui");
  });
});

describe("the classroom view on the L1 port of a devnet in instant mode", () => {
  let devnet: Devnet;
  before(async () => {
    devnet = await startTestDevnet({ rollups: 2 });
  });
  after(async () => {
    await devnet?.stop();
  });

  it("serves /ui/ beside JSON-RPC, keeps the health check on /, and refuses traversal on the wire", async () => {
    const url = devnet.l1.rpcUrl!;
    const health = await rawGet(url, "/");
    expect(JSON.parse(health.body)).to.deep.equal({ name: "L1", status: "ok" });
    const redirect = await rawGet(url, "/ui");
    expect(redirect).to.deep.include({ status: 301 });
    expect(redirect.headers.location).to.equal("/ui/");
    const page = await rawGet(url, "/ui/");
    // Built (npm run build:ui) or not, the page is HTML.
    expect(page.headers["content-type"]).to.equal("text/html; charset=utf-8");
    expect((await rawGet(url, "/ui/../package.json")).status).to.equal(403);
    expect((await rawGet(url, "/ui/%2e%2e/%2e%2e/package.json")).status).to.equal(403);
    expect((await rawGet(url, "/ui/no-such-file.js")).status).to.equal(404);
    // JSON-RPC still answers on the same port.
    expect(await rpcResult(url, "eth_chainId")).to.equal(`0x${devnet.l1.chainId.toString(16)}`);
  });

  it("gives the page's URL in xr_getDevnetInfo, the manifest and the banner", async () => {
    const ui = `${devnet.l1.rpcUrl}/ui/`;
    const { scenes, ...info } = await rpcResult<DevnetInfo>(devnet.l1.rpcUrl!, "xr_getDevnetInfo");
    expect(scenes?.map((scene) => scene.name)).to.deep.equal(["success", "vault-cap-exceeded", "slippage", "action-out-of-gas"]);
    expect(info).to.deep.equal({
      l1: { chainId: devnet.l1.chainId, rpcUrl: devnet.l1.rpcUrl },
      rollups: devnet.rollups.map(({ chainId, name, rpcUrl }) => ({ chainId, name, rpcUrl })),
      mode: "instant",
      policy: "fcfs",
      ui,
    });
    expect(devnet.manifest().ui).to.equal(ui);
    expect(formatBanner(devnet)).to.contain(`Classroom view: ${ui}`);
  });

  it("answers xr_pause, xr_resume and xr_step with -32602 saying they need slot mode", async () => {
    for (const method of ["xr_pause", "xr_resume", "xr_step"]) {
      const { error } = await rpc(devnet.l1.rpcUrl!, method);
      expect(error?.code, method).to.equal(-32602);
      expect(error?.message, method).to.contain("needs slot mode");
    }
    expect((await rpcResult<{ paused: boolean }>(devnet.l1.rpcUrl!, "xr_getSequencerStatus")).paused).to.equal(false);
  });
});

describe("a devnet without RPC servers", () => {
  it("has no page URL in its manifest", async () => {
    const devnet = await startTestDevnet({ rollups: 1, rpc: false });
    try {
      expect(devnet.manifest().ui).to.equal(null);
    } finally {
      await devnet.stop();
    }
  });
});
