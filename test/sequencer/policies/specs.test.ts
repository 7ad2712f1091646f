import path from "node:path";
import { expect } from "chai";
import { InvalidDevnetConfigError, resolveDevnetConfig } from "../../../devnet/config.ts";
import { PROJECT_ROOT } from "../../../rollups/chain.ts";
import {
  InvalidPolicyModuleError,
  InvalidPolicyOptionError,
  isPolicyModulePath,
  loadPolicy,
  ORDERING_POLICIES,
  resolvePolicy,
  UnknownPolicyError,
  UnknownPolicyOptionError,
} from "../../../sequencer/policies/index.ts";
import { labelAddress, rpcResult, signTransfer, startTestDevnet } from "../../support/fixtures.ts";
import { ALICE, auctionContext, bid, BOB, context, label, transaction } from "./builders.ts";

const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "policies");

describe("policy specs", () => {
  it("gives a built-in policy by name, with its default options", () => {
    expect(resolvePolicy("timeboost")).to.equal(ORDERING_POLICIES.timeboost);
    expect(resolvePolicy({ name: "fcfs" })).to.equal(ORDERING_POLICIES.fcfs);
  });

  it("builds a policy with its options, prices in gwei", () => {
    const policy = resolvePolicy({ name: "timeboost", roundSlots: 2, delayMs: 50, reservePriceGwei: "0.5" });
    expect(policy.auction!([bid(1, ALICE, 400_000_000n)], auctionContext(3))).to.deep.equal([]);
    const [outcome] = policy.auction!([bid(1, ALICE, 500_000_000n)], auctionContext(3));
    expect(outcome).to.include({ paysWei: 500_000_000n, fromSlot: 3, untilSlot: 5 });
    expect(resolvePolicy({ name: "sealed-bid", reservePriceGwei: 2 }).auction!([bid(1, ALICE, 1_999_999_999n)], auctionContext(1))).to.deep.equal([]);
    const [refunded] = resolvePolicy({ name: "order-flow-auction", refundBps: 5000 }).auction!(
      [bid(1, BOB, 100n, { target: transaction(ALICE, 0, 0).hash, transactions: [transaction(BOB, 0, -1)] })],
      auctionContext(1, [transaction(ALICE, 0, 0)]),
    );
    expect(refunded).to.include({ refundWei: 50n });
  });

  const refusals: { name: string; spec: Parameters<typeof resolvePolicy>[0]; error: typeof UnknownPolicyError | typeof UnknownPolicyOptionError | typeof InvalidPolicyOptionError; data: object }[] = [
    { name: "an unknown name", spec: "latest-first", error: UnknownPolicyError, data: { policy: "latest-first" } },
    { name: "an unknown name in an object", spec: { name: "latest-first" }, error: UnknownPolicyError, data: { policy: "latest-first" } },
    { name: "an option the policy does not take", spec: { name: "timeboost", roundSlot: 2 }, error: UnknownPolicyOptionError, data: { option: "roundSlot" } },
    { name: "any option of a policy without options", spec: { name: "fcfs", delayMs: 1 }, error: UnknownPolicyOptionError, data: { option: "delayMs" } },
    { name: "a count that is not a whole number", spec: { name: "timeboost", roundSlots: 1.5 }, error: InvalidPolicyOptionError, data: { option: "roundSlots" } },
    { name: "a round of no slots", spec: { name: "timeboost", roundSlots: 0 }, error: InvalidPolicyOptionError, data: { option: "roundSlots" } },
    { name: "a count given as a string", spec: { name: "timeboost", delayMs: "200" }, error: InvalidPolicyOptionError, data: { option: "delayMs" } },
    { name: "a negative price", spec: { name: "sealed-bid", reservePriceGwei: -1 }, error: InvalidPolicyOptionError, data: { option: "reservePriceGwei" } },
    { name: "a price finer than a wei", spec: { name: "sealed-bid", reservePriceGwei: "0.0000000001" }, error: InvalidPolicyOptionError, data: { option: "reservePriceGwei" } },
    { name: "a refund above 100 %", spec: { name: "order-flow-auction", refundBps: 10_001 }, error: InvalidPolicyOptionError, data: { option: "refundBps" } },
  ];
  for (const { name, spec, error, data } of refusals) {
    it(`refuses ${name}, naming it`, () => {
      let thrown: unknown;
      try {
        resolvePolicy(spec);
      } catch (caught) {
        thrown = caught;
      }
      expect(thrown).to.be.instanceOf(error);
      expect((thrown as InstanceType<typeof error>).data).to.include(data);
    });
  }

  it("says what an option expects", () => {
    expect(() => resolvePolicy({ name: "timeboost", roundSlots: "2" })).to.throw(InvalidPolicyOptionError, /expected a whole number from 1/);
    expect(() => resolvePolicy({ name: "sealed-bid", reservePriceGwei: true })).to.throw(InvalidPolicyOptionError, /an amount in gwei/);
  });

  it("tells module paths from names", () => {
    const cases: [string, boolean][] = [
      ["./policy.ts", true],
      ["../lab/policy.mjs", true],
      ["/abs/policy", true],
      ["policy.js", true],
      ["timeboost", false],
      ["order-flow-auction", false],
    ];
    expect(cases.map(([spec]) => isPolicyModulePath(spec))).to.deep.equal(cases.map(([, expected]) => expected));
  });

  describe("module policies", () => {
    const pending = [transaction(ALICE, 0, 0), transaction(BOB, 0, 1), transaction(BOB, 1, 2)];

    it("loads a TypeScript module whose default export is a factory, passing it the spec's options", async () => {
      const policy = await loadPolicy({ name: "./newest-first.ts", limit: 2 }, { cwd: FIXTURES });
      expect(policy.name).to.equal("newest-first");
      expect(label(policy.order(pending, context()))).to.deep.equal(["B:1", "B:0"]);
      const unlimited = await loadPolicy(path.join(FIXTURES, "newest-first.ts"));
      expect(label(unlimited.order(pending, context()))).to.have.length(3);
    });

    it("loads a JavaScript module whose default export is the policy", async () => {
      const policy = await loadPolicy("./oldest-first.mjs", { cwd: FIXTURES });
      expect(label(policy.order([...pending].reverse(), context()))).to.deep.equal(["A:0", "B:0", "B:1"]);
    });

    it("still resolves built-in names", async () => {
      expect(await loadPolicy("sealed-bid")).to.equal(ORDERING_POLICIES["sealed-bid"]);
    });

    const broken: { name: string; spec: Parameters<typeof loadPolicy>[0]; problem: RegExp }[] = [
      { name: "a missing file", spec: "./nowhere.ts", problem: /nowhere\.ts: no such file/ },
      { name: "a module without a default export", spec: "./no-default.mjs", problem: /default export is missing/ },
      { name: "a policy without an order function", spec: "./no-order.mjs", problem: /"no-order" has no order function/ },
      { name: "a policy with an empty name", spec: "./nameless.mjs", problem: /has no name/ },
      { name: "a policy whose auction is not a function", spec: "./bad-auction.mjs", problem: /auction that is not a function/ },
      { name: "a module that throws while loading", spec: "./fails-to-load.mjs", problem: /failed to load: this policy module is broken on purpose/ },
      { name: "options for a module that exports a policy, not a factory", spec: { name: "./oldest-first.mjs", limit: 1 }, problem: /takes no options \(got limit\)/ },
    ];
    for (const { name, spec, problem } of broken) {
      it(`refuses ${name} with InvalidPolicyModuleError naming the file`, async () => {
        const error = await loadPolicy(spec, { cwd: FIXTURES }).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).to.be.instanceOf(InvalidPolicyModuleError);
        expect((error as InvalidPolicyModuleError).shortMessage).to.match(problem);
        expect((error as InvalidPolicyModuleError).data).to.have.property("file").that.includes(FIXTURES);
      });
    }
  });

  describe("a devnet's --policy", () => {
    // As the command line gives it: relative to the working directory.
    const relative = `./${path.relative(process.cwd(), path.join(FIXTURES, "newest-first.ts"))}`;

    it("runs a module policy, and its status shows the policy's name", async () => {
      const devnet = await startTestDevnet({ rollups: 1, manual: true, policy: relative });
      try {
        expect(devnet.config.policy).to.equal(path.join(FIXTURES, "newest-first.ts"));
        const status = await rpcResult<{ policy: string }>(devnet.l1.rpcUrl!, "xr_getSequencerStatus");
        expect(status.policy).to.equal("newest-first");
        const [rollup] = devnet.rollups;
        const first = await devnet.sequencer.submitRawTransaction(rollup!.chainId, await signTransfer(devnet, rollup!.chainId, 1, 0, labelAddress("module 1"), 1n));
        const second = await devnet.sequencer.submitRawTransaction(rollup!.chainId, await signTransfer(devnet, rollup!.chainId, 2, 0, labelAddress("module 2"), 1n));
        const slot = await devnet.sequencer.produceSlot();
        expect(slot?.included.map(({ transaction: included }) => included.hash)).to.deep.equal([second, first]);
      } finally {
        await devnet.stop();
      }
    });

    it("takes every built-in name, and refuses a module that does not exist, naming it", () => {
      for (const name of Object.keys(ORDERING_POLICIES)) expect(resolveDevnetConfig({ policy: name }).policy).to.equal(name);
      expect(() => resolveDevnetConfig({ policy: "./no/such/policy.ts" })).to.throw(InvalidDevnetConfigError, /policy\.ts does not exist/);
      expect(() => resolveDevnetConfig({ policy: "fastest" })).to.throw(InvalidDevnetConfigError, /Invalid policy: "fastest" is not one of/);
    });
  });
});
