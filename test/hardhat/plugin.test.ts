import { expect } from "chai";
import type { HardhatUserConfig } from "hardhat/config";
import { InvalidDevnetConfigError } from "../../devnet/config.ts";
import { resolveXrollupConfig } from "../../hardhat/internal/config.ts";

/**
 * A Hardhat runtime whose config has the xrollup plugin. Hardhat and the
 * plugin are imported here, not at the top: mocha loads test files through
 * require(esm), and a static import would load Hardhat's built-in plugins
 * twice (see `hardhatRuntime` in rollups/chain.ts).
 */
async function runtimeWith(config: HardhatUserConfig) {
  const [{ createHardhatRuntimeEnvironment }, { default: xrollup }] = await Promise.all([import("hardhat/hre"), import("../../hardhat/index.ts")]);
  return createHardhatRuntimeEnvironment({ ...config, plugins: [xrollup] });
}

describe("xrollup/hardhat: the plugin's config", function () {
  it("adds the devnet's chains as HTTP networks, L1 with chainType l1 and each rollup with op, at the devnet's ports", async function () {
    const hre = await runtimeWith({ xrollup: { rollups: 3, l1ChainId: 1000, port: 18545, rollupPort: 19545 } });
    const networks = Object.entries(hre.config.networks).filter(([name]) => name.startsWith("xrollup"));
    expect(networks.map(([name, network]) => [name, network.type, network.chainType])).to.deep.equal([
      ["xrollupL1", "http", "l1"],
      ["xrollup1001", "http", "op"],
      ["xrollup1002", "http", "op"],
      ["xrollup1003", "http", "op"],
    ]);
    const urls = await Promise.all(networks.map(([, network]) => (network.type === "http" ? network.url.get() : undefined)));
    expect(urls).to.deep.equal(["http://127.0.0.1:18545", "http://127.0.0.1:19545", "http://127.0.0.1:19546", "http://127.0.0.1:19547"]);
    expect(networks.every(([, network]) => network.accounts === "remote")).to.equal(true);
    expect(hre.config.xrollup.devnet).to.deep.equal({ rollups: 3, l1ChainId: 1000, rpc: { host: "127.0.0.1", port: 18545, rollupPort: 19545 } });
    expect(hre.tasks.getTask("xrollup").description).to.match(/xrollup devnet/);
  });

  it("defaults to the devnet's own defaults: two rollups, 900, 8545 and 9545", async function () {
    const hre = await runtimeWith({});
    expect(hre.config.xrollup.networks.map(({ name, url }) => `${name} ${url}`)).to.deep.equal([
      "xrollupL1 http://127.0.0.1:8545",
      "xrollup901 http://127.0.0.1:9545",
      "xrollup902 http://127.0.0.1:9546",
    ]);
  });

  it("keeps a network the user defined under the same name", async function () {
    const hre = await runtimeWith({ networks: { xrollup901: { type: "http", url: "http://127.0.0.1:7777" } } });
    const network = hre.config.networks.xrollup901!;
    expect(network.type === "http" ? await network.url.get() : undefined).to.equal("http://127.0.0.1:7777");
  });

  it("refuses bad options when Hardhat loads the config, naming them", async function () {
    for (const [xrollup, message] of [
      [{ rollups: 0 }, /Invalid rollups: expected an integer from 1 to 64, got 0/],
      [{ port: 0 }, /Invalid port: expected a fixed port, not 0/],
      [{ port: 9546 }, /Invalid port: 9546 is one of the rollups' ports \(9545 to 9546\)/],
      [{ policy: "fastest" }, /Invalid policy: "fastest" is not one of/],
    ] as const) {
      const error = await runtimeWith({ xrollup } as HardhatUserConfig).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(String(error), JSON.stringify(xrollup)).to.match(message).and.match(/xrollup/);
    }
  });

  it("reaches wildcard hosts on the loopback address, and IPv6 hosts in brackets", function () {
    expect(resolveXrollupConfig({ host: "0.0.0.0" }).networks[0]!.url).to.equal("http://127.0.0.1:8545");
    expect(resolveXrollupConfig({ host: "::1" }).networks[1]!.url).to.equal("http://[::1]:9545");
    expect(() => resolveXrollupConfig({ rollupPort: 0 })).to.throw(InvalidDevnetConfigError, /rollupPort/);
  });
});
