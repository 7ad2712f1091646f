import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { zeroAddress } from "viem";
import { InvalidFaultError, parseFault } from "../../sequencer/faults.ts";
import { createRandom, RandomParameterError } from "../../sim/random.ts";
import { jsonSyntaxErrorOffset, positionAt } from "../../sim/scenario/json-error.ts";
import { loadScenario, parseScenario, type Scenario, ScenarioError } from "../../sim/scenario/index.ts";

const TOKEN = 10n ** 18n;
const GWEI = 10n ** 9n;

const example = {
  name: "one-sandwich",
  seed: 7,
  rollups: 2,
  pool: { rollup: 0, reserveIn: "1000000", reserveOut: "1000000", feeBps: 30 },
  victims: [{ amountIn: "10000", slippageBps: 100, depositOn: 1 }],
  searchers: [{ strategy: "sandwich" }],
  policies: ["fcfs", "priority-fee", "encrypted", "fair-random"],
};

type Json = Record<string, unknown>;
const withChanges = (change: (scenario: Json) => void): Json => {
  const copy = structuredClone(example) as Json;
  change(copy);
  return copy;
};
const victim0 = (scenario: Json) => (scenario.victims as Json[])[0] as Json;

describe("scenario files", () => {
  it("reads a victim without depositOn as a plain swap", () => {
    const scenario = parseScenario({ ...example, victims: [{ amountIn: "1", slippageBps: 10 }] });
    expect(scenario.victims[0]?.depositOn).to.equal(undefined);
  });

  it("parses the one-sandwich example with its values and defaults", () => {
    const expected: Scenario = {
      source: example,
      name: "one-sandwich",
      seed: 7,
      rollups: 2,
      slots: 1,
      slotMs: 1000,
      pools: [{ rollup: 0, reserveIn: 1_000_000n * TOKEN, reserveOut: 1_000_000n * TOKEN, feeBps: 30 }],
      victims: [{ amountIn: 10_000n * TOKEN, slippageBps: 100, depositOn: 1, pool: 0, slot: 0, tipWei: GWEI, forceAfterSlots: undefined }],
      users: undefined,
      searchers: [{ strategy: "sandwich", as: "searcher", headStartMs: 50, gasPriceWei: undefined, atomic: true, legFailureProbability: 0, pools: undefined, bidShareBps: 9000 }],
      policies: ["fcfs", "priority-fee", "encrypted", "fair-random"].map((name) => ({ name, options: {} })),
      committee: { threshold: 2, size: 3 },
      configurations: [{ name: "default", sequencers: 1, faults: [], viewTimeoutMs: 2000 }],
    };
    expect(parseScenario(example)).to.deep.equal(expected);
  });

  it("resolves every optional field: pools, users, slots, tips, searcher roles, committee", () => {
    const scenario = parseScenario({
      name: "busy",
      seed: "0xABCDEF",
      rollups: 3,
      slots: 20,
      slotMs: 250,
      pools: [
        { rollup: 0, reserveIn: "500.5", reserveOut: "0.000000000000000001" },
        { rollup: 1, reserveIn: "1000", reserveOut: "2000", feeBps: 5 },
      ],
      victims: [{ amountIn: "0.5", slippageBps: 50, depositOn: 0, pool: 1, slot: 19, tipGwei: 2.5 }],
      users: { count: 50, arrivalPerSlot: 3.5, tradeSize: { distribution: "lognormal", median: "10", sigma: 1.2 }, slippageBps: 30 },
      searchers: [{ strategy: "sandwich", as: "sequencer", headStartMs: 0, gasPriceGwei: "0.1" }],
      policies: ["encrypted", "fcfs"],
      committee: { threshold: 3, size: 5 },
    });
    expect(scenario.seed).to.equal("0xabcdef");
    expect(scenario.pools).to.deep.equal([
      { rollup: 0, reserveIn: 500_500_000_000_000_000_000n, reserveOut: 1n, feeBps: 30 },
      { rollup: 1, reserveIn: 1_000n * TOKEN, reserveOut: 2_000n * TOKEN, feeBps: 5 },
    ]);
    expect(scenario.victims).to.deep.equal([
      { amountIn: TOKEN / 2n, slippageBps: 50, depositOn: 0, pool: 1, slot: 19, tipWei: 2_500_000_000n, forceAfterSlots: undefined },
    ]);
    expect(scenario.users).to.deep.equal({
      count: 50,
      arrivalPerSlot: 3.5,
      tradeSize: { distribution: "lognormal", median: 10n * TOKEN, sigma: 1.2 },
      slippageBps: 30,
      depositOn: "random",
    });
    expect(scenario.searchers).to.deep.equal([
      { strategy: "sandwich", as: "sequencer", headStartMs: 0, gasPriceWei: 100_000_000n, atomic: true, legFailureProbability: 0, pools: undefined, bidShareBps: 9000 },
    ]);
    expect([scenario.slots, scenario.slotMs, scenario.policies, scenario.committee]).to.deep.equal([
      20,
      250,
      [
        { name: "encrypted", options: {} },
        { name: "fcfs", options: {} },
      ],
      { threshold: 3, size: 5 },
    ]);
  });

  it("accepts users alone, with fixed and uniform trade sizes", () => {
    const base = { name: "users", seed: 1, rollups: 2, pool: { rollup: 1, reserveIn: "100", reserveOut: "100" }, policies: ["fcfs"] };
    const fixed = parseScenario({ ...base, users: { count: 1, arrivalPerSlot: 0, tradeSize: { distribution: "fixed", amount: "1" }, slippageBps: 0, depositOn: 0 } });
    expect(fixed.users?.tradeSize).to.deep.equal({ distribution: "fixed", amount: TOKEN });
    expect(fixed.users?.depositOn).to.equal(0);
    const uniform = parseScenario({ ...base, users: { count: 1, arrivalPerSlot: 1, tradeSize: { distribution: "uniform", min: "1", max: "1" }, slippageBps: 10_000 } });
    expect(uniform.users?.tradeSize).to.deep.equal({ distribution: "uniform", min: TOKEN, max: TOKEN });
    expect(fixed.victims).to.deep.equal([]);
  });

  it("completes each configuration from the top level, and keeps fault roles for the run to fill in", () => {
    const scenario = parseScenario({
      ...example,
      slots: 4,
      slotMs: 500,
      victims: [{ amountIn: "1", slippageBps: 10, depositOn: 1, forceAfterSlots: 3 }],
      sequencers: 4,
      faults: [{ kind: "crash", node: "leader", forSlots: 1, atSlot: 1 }],
      configurations: [
        { name: "inherits" },
        { name: "own", sequencers: 2, viewTimeoutMs: 300, faults: [{ kind: "censor", address: "victim:0", nodes: "leader", chainId: 902, atSlot: 0, untilSlot: 2 }] },
      ],
    });
    expect(scenario.victims[0]?.forceAfterSlots).to.equal(3);
    expect(scenario.configurations).to.deep.equal([
      {
        name: "inherits",
        sequencers: 4,
        faults: [{ atSlot: 1, untilSlot: undefined, fault: { kind: "crash", node: "leader", forSlots: 1 }, addressOfVictim: undefined, censorLeader: false }],
        viewTimeoutMs: 1000,
      },
      {
        name: "own",
        sequencers: 2,
        faults: [{ atSlot: 0, untilSlot: 2, fault: { kind: "censor", address: zeroAddress, chainId: 902, nodes: [0] }, addressOfVictim: 0, censorLeader: true }],
        viewTimeoutMs: 300,
      },
    ]);
  });

  const invalid: [name: string, change: (scenario: Json) => void, field: string][] = [
    ["a missing name", (s) => delete s.name, "name"],
    ["an empty name", (s) => (s.name = " "), "name"],
    ["a fractional seed", (s) => (s.seed = 1.5), "seed"],
    ["a negative seed", (s) => (s.seed = -1), "seed"],
    ["zero rollups", (s) => (s.rollups = 0), "rollups"],
    ["17 rollups", (s) => (s.rollups = 17), "rollups"],
    ["slots of zero", (s) => (s.slots = 0), "slots"],
    ["a pool on a rollup that does not exist", (s) => ((s.pool as Json).rollup = 2), "pool.rollup"],
    ["a reserve written 1e3", (s) => ((s.pool as Json).reserveIn = "1e3"), "pool.reserveIn"],
    ["a reserve written as a JSON number", (s) => ((s.pool as Json).reserveOut = 1000), "pool.reserveOut"],
    ["a fee of 100%", (s) => ((s.pool as Json).feeBps = 10_000), "pool.feeBps"],
    ["a negative amount", (s) => (victim0(s).amountIn = "-5"), "victims[0].amountIn"],
    ["an empty amount", (s) => (victim0(s).amountIn = ""), "victims[0].amountIn"],
    ["a zero amount", (s) => (victim0(s).amountIn = "0.0"), "victims[0].amountIn"],
    ["19 decimals", (s) => (victim0(s).amountIn = "0.1234567890123456789"), "victims[0].amountIn"],
    ["a slippage of 20000 bps", (s) => (victim0(s).slippageBps = 20_000), "victims[0].slippageBps"],
    ["a deposit on the pool's own rollup", (s) => (victim0(s).depositOn = 0), "victims[0].depositOn"],
    ["a victim pool index out of range", (s) => (victim0(s).pool = 1), "victims[0].pool"],
    ["a victim slot past the last slot", (s) => (victim0(s).slot = 1), "victims[0].slot"],
    ["a tip with 10 decimals of gwei", (s) => (victim0(s).tipGwei = "0.0000000001"), "victims[0].tipGwei"],
    ["a misspelt victim field", (s) => (victim0(s).slipageBps = 100), "victims[0].slipageBps"],
    ["an unknown policy", (s) => (s.policies = ["fcfs", "mev-auction"]), "policies[1]"],
    ["a duplicate policy", (s) => (s.policies = ["fcfs", "encrypted", "fcfs"]), "policies[2]"],
    ["no policies", (s) => (s.policies = []), "policies"],
    ["an unknown top-level key", (s) => (s.polices = ["fcfs"]), "polices"],
    ["an unknown searcher strategy", (s) => (s.searchers = [{ strategy: "liquidation" }]), "searchers[0].strategy"],
    ["an arbitrage with a single pool", (s) => (s.searchers = [{ strategy: "arbitrage" }]), "pools"],
    ["an arbitrage between two pools on one rollup", (s) => ((s.pools = [s.pool, s.pool]), delete s.pool, (s.searchers = [{ strategy: "arbitrage" }])), "searchers[0].pools"],
    ["a field of another strategy", (s) => (s.searchers = [{ strategy: "sandwich", atomic: false }]), "searchers[0].atomic"],
    ["a leg failure probability above 1", (s) => ((s.pools = [s.pool, { ...(s.pool as object), rollup: 1 }]), delete s.pool, (s.searchers = [{ strategy: "arbitrage", legFailureProbability: 2 }])), "searchers[0].legFailureProbability"],
    ["an unknown policy option", (s) => (s.policies = [{ name: "timeboost", roundSlot: 2 }]), "policies[0].roundSlot"],
    ["a policy option of the wrong type", (s) => (s.policies = [{ name: "timeboost", delayMs: "soon" }]), "policies[0].delayMs"],
    ["an unknown policy name", (s) => (s.policies = ["first-come"]), "policies[0]"],
    ["an unknown searcher role", (s) => (s.searchers = [{ strategy: "sandwich", as: "builder" }]), "searchers[0].as"],
    ["both pool and pools", (s) => (s.pools = [s.pool]), "pools"],
    ["neither pool nor pools", (s) => delete s.pool, "pool"],
    ["an empty pools list", (s) => ((s.pools = []), delete s.pool), "pools"],
    ["no victims and no users", (s) => (s.victims = []), "victims"],
    [
      "an unknown trade-size distribution",
      (s) => (s.users = { count: 1, arrivalPerSlot: 1, tradeSize: { distribution: "pareto", amount: "1" }, slippageBps: 50 }),
      "users.tradeSize.distribution",
    ],
    [
      "a uniform trade size with max below min",
      (s) => (s.users = { count: 1, arrivalPerSlot: 1, tradeSize: { distribution: "uniform", min: "2", max: "1" }, slippageBps: 50 }),
      "users.tradeSize.max",
    ],
    [
      "a fixed trade size with a lognormal parameter",
      (s) => (s.users = { count: 1, arrivalPerSlot: 1, tradeSize: { distribution: "fixed", amount: "1", sigma: 1 }, slippageBps: 50 }),
      "users.tradeSize.sigma",
    ],
    ["a negative arrival rate", (s) => (s.users = { count: 1, arrivalPerSlot: -1, tradeSize: { distribution: "fixed", amount: "1" }, slippageBps: 50 }), "users.arrivalPerSlot"],
    ["users with every rollup holding a pool", (s) => ((s.rollups = 1), (s.victims = []), (s.users = { count: 1, arrivalPerSlot: 1, tradeSize: { distribution: "fixed", amount: "1" }, slippageBps: 50 })), "users.depositOn"],
    ["a committee threshold above its size", (s) => (s.committee = { threshold: 4, size: 3 }), "committee.threshold"],
    ["17 sequencers", (s) => (s.sequencers = 17), "sequencers"],
    ["a fault without atSlot", (s) => (s.faults = [{ kind: "equivocate", node: 0 }]), "faults[0].atSlot"],
    ["a fault at a slot past the last", (s) => (s.faults = [{ kind: "equivocate", node: 0, atSlot: 1 }]), "faults[0].atSlot"],
    ["a fault at a negative slot", (s) => (s.faults = [{ kind: "equivocate", node: 0, atSlot: -1 }]), "faults[0].atSlot"],
    ["a fault of an unknown kind", (s) => (s.faults = [{ kind: "meteor", atSlot: 0 }]), "faults[0].kind"],
    ["a fault on a member the committee does not have", (s) => ((s.sequencers = 4), (s.faults = [{ kind: "crash", node: 4, atSlot: 0 }])), "faults[0].node"],
    ["a censor on a rollup the scenario does not have", (s) => (s.faults = [{ kind: "censor", address: zeroAddress, chainId: 903, atSlot: 0 }]), "faults[0].chainId"],
    [
      "a fault that ends before it starts",
      (s) => ((s.slots = 5), (s.faults = [{ kind: "censor", address: "victim:0", atSlot: 3, untilSlot: 2 }])),
      "faults[0].untilSlot",
    ],
    ["a fault that ends as it starts", (s) => ((s.slots = 5), (s.faults = [{ kind: "censor", address: "victim:0", atSlot: 3, untilSlot: 3 }])), "faults[0].untilSlot"],
    ["a fault that ends after the run", (s) => ((s.slots = 5), (s.faults = [{ kind: "censor", address: "victim:0", atSlot: 3, untilSlot: 6 }])), "faults[0].untilSlot"],
    ["a victim role past the last victim", (s) => (s.faults = [{ kind: "censor", address: "victim:1", atSlot: 0 }]), "faults[0].address"],
    ["an address that is neither an address nor a role", (s) => (s.faults = [{ kind: "censor", address: "victim", atSlot: 0 }]), "faults[0].address"],
    ["a misspelt fault field", (s) => (s.faults = [{ kind: "censor", address: "victim:0", chainid: 901, atSlot: 0 }]), "faults[0].chainid"],
    ["faults that are not a list", (s) => (s.faults = { kind: "equivocate", node: 0, atSlot: 0 }), "faults"],
    ["a forceAfterSlots of zero", (s) => ((s.slots = 3), (victim0(s).forceAfterSlots = 0)), "victims[0].forceAfterSlots"],
    ["a forceAfterSlots that ends after the run", (s) => ((s.slots = 3), (victim0(s).forceAfterSlots = 3)), "victims[0].forceAfterSlots"],
    ["a forceAfterSlots for a victim of the last slot", (s) => (victim0(s).forceAfterSlots = 1), "victims[0].forceAfterSlots"],
    ["a fractional view timeout", (s) => (s.viewTimeoutMs = 0.5), "viewTimeoutMs"],
    ["an empty configurations list", (s) => (s.configurations = []), "configurations"],
    ["a configuration without a name", (s) => (s.configurations = [{ sequencers: 2 }]), "configurations[0].name"],
    ["two configurations with one name", (s) => (s.configurations = [{ name: "a" }, { name: "a" }]), "configurations[1].name"],
    ["a misspelt configuration field", (s) => (s.configurations = [{ name: "a", sequencer: 4 }]), "configurations[0].sequencer"],
    [
      "a configuration's fault on a member its committee does not have",
      (s) => (s.configurations = [{ name: "a", sequencers: 2, faults: [{ kind: "equivocate", node: 2, atSlot: 0 }] }]),
      "configurations[0].faults[0].node",
    ],
    [
      "a top-level fault on a member a configuration's committee does not have",
      (s) => ((s.sequencers = 4), (s.faults = [{ kind: "equivocate", node: 3, atSlot: 0 }]), (s.configurations = [{ name: "four" }, { name: "two", sequencers: 2 }])),
      "faults[0].node",
    ],
  ];
  for (const [name, change, field] of invalid) {
    it(`rejects ${name}, naming ${field}`, () => {
      const scenario = withChanges(change);
      expect(() => parseScenario(scenario))
        .to.throw(ScenarioError)
        .with.property("field", field);
    });
  }

  it("says what is wrong, where, and what it got", () => {
    const error = (() => {
      try {
        parseScenario(withChanges((s) => (victim0(s).slippageBps = 20_000)));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).to.be.instanceOf(ScenarioError);
    expect((error as ScenarioError).message).to.equal("Invalid scenario: victims[0].slippageBps: expected an integer from 0 to 10000, got 20000");
  });

  it("words an invalid fault as the devnet does", () => {
    const fault = { kind: "crash", node: 4 };
    const devnet = (() => {
      try {
        parseFault(fault, [901, 902], 4);
      } catch (caught) {
        return caught;
      }
    })();
    expect(devnet).to.be.instanceOf(InvalidFaultError);
    const scenario = withChanges((s) => ((s.sequencers = 4), (s.faults = [{ ...fault, atSlot: 0 }])));
    expect(() => parseScenario(scenario))
      .to.throw(ScenarioError)
      .with.property("reason", (devnet as InvalidFaultError).shortMessage);
  });

  it("says which configuration a top-level fault failed for", () => {
    const scenario = withChanges((s) => ((s.faults = [{ kind: "equivocate", node: 1, atSlot: 0 }]), (s.configurations = [{ name: "pair", sequencers: 2 }, { name: "solo", sequencers: 1 }])));
    expect(() => parseScenario(scenario))
      .to.throw(ScenarioError)
      .with.property("reason")
      .that.matches(/\(in configuration "solo", with 1 sequencer\)$/);
  });

  it("suggests the field a misspelt key meant", () => {
    expect(() => parseScenario(withChanges((s) => (victim0(s).slipageBps = 100))))
      .to.throw(ScenarioError)
      .with.property("reason")
      .that.matches(/^unknown field; did you mean "slippageBps"\?/);
  });

  it("rejects a document that is not an object", () => {
    for (const document of [null, [], "scenario", 7]) {
      expect(() => parseScenario(document)).to.throw(ScenarioError).with.property("field", "");
    }
  });

  describe("loadScenario", () => {
    let directory: string;
    before(async () => {
      directory = await mkdtemp(join(tmpdir(), "xrollup-scenario-"));
    });
    after(async () => {
      await rm(directory, { recursive: true, force: true });
    });

    it("loads a file", async () => {
      const file = join(directory, "ok.json");
      await writeFile(file, JSON.stringify(example, null, 2));
      expect(await loadScenario(file)).to.deep.equal(parseScenario(example));
    });

    it("names the file, line and column of a JSON syntax error", async () => {
      const file = join(directory, "trailing-comma.json");
      await writeFile(file, '{\n  "name": "x",\n  "policies": ["fcfs",]\n}\n');
      const error = await loadScenario(file).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(ScenarioError);
      expect((error as ScenarioError).field).to.equal("");
      expect((error as ScenarioError).message).to.include(file).and.include("line 3, column 23");
    });

    it("names the field and the file of an invalid scenario", async () => {
      const file = join(directory, "bad.json");
      await writeFile(file, JSON.stringify(withChanges((s) => (s.rollups = 0))));
      const error = await loadScenario(file).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(ScenarioError).with.property("field", "rollups");
      expect((error as ScenarioError).details).to.deep.equal([`Scenario file: ${file}`]);
    });

    it("turns a missing file into a ScenarioError", async () => {
      const error = await loadScenario(join(directory, "missing.json")).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(ScenarioError);
    });
  });

  const syntaxCases: [text: string, offset: number | undefined][] = [
    ['{"a": 1}', undefined],
    [' [1, -2.5e+3, "x\\u00e9", true, false, null, {}] ', undefined],
    ['{"a": 1,}', 8],
    ["[1,]", 3],
    ['{"a" 1}', 5],
    ["", 0],
    ['{"a": 01}', 7],
    ['{"a": "unterminated', 19],
    ["[1] x", 4],
    ["{'a': 1}", 1],
  ];
  for (const [text, offset] of syntaxCases) {
    it(`finds the JSON syntax error in ${JSON.stringify(text)} at ${offset ?? "none"}`, () => {
      expect(jsonSyntaxErrorOffset(text)).to.equal(offset);
      if (offset === undefined) expect(() => JSON.parse(text)).to.not.throw();
      else expect(() => JSON.parse(text)).to.throw(SyntaxError);
    });
  }

  it("converts an offset to a line and column", () => {
    expect(positionAt("ab\ncd\nef", 7)).to.deep.equal({ line: 3, column: 2 });
    expect(positionAt("ab", 0)).to.deep.equal({ line: 1, column: 1 });
  });
});

describe("seeded randomness", () => {
  it("gives the same draws for the same seed, and different draws for another", () => {
    const draw = (seed: number | `0x${string}`) => {
      const random = createRandom(seed);
      return [random.next(), random.int(1000), random.poisson(4), random.lognormal(10, 0.5), random.shuffle([1, 2, 3, 4, 5, 6])];
    };
    expect(draw(7)).to.deep.equal(draw(7));
    expect(draw(7)).to.deep.equal(draw("0x07"));
    expect(draw(7)).to.not.deep.equal(draw(8));
  });

  it("is pinned to keccak256(seed ‖ counter), so streams never change across versions", () => {
    // keccak256 of 32 zero bytes ‖ 32 zero bytes starts ad3228b676f7d3cd: the top 53 bits / 2^53.
    const expected = Number(0xad3228b676f7d3cdn >> 11n) / 2 ** 53;
    expect(createRandom(0).next()).to.equal(expected);
  });

  it("draws uniforms in [0, 1) with mean near 1/2", () => {
    const random = createRandom(11);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = random.next();
      expect(value).to.be.at.least(0).and.below(1);
      sum += value;
    }
    expect(sum / 10_000).to.be.closeTo(0.5, 0.02);
  });

  it("draws integers that cover their range evenly", () => {
    const random = createRandom(12);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[random.int(6)]! += 1;
    for (const count of counts) expect(count).to.be.closeTo(10_000, 400);
  });

  it("draws Poisson counts with the right mean: poisson(3) over 10,000 draws within 0.1", () => {
    const random = createRandom(7);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += random.poisson(3);
    expect(sum / 10_000).to.be.closeTo(3, 0.1);
  });

  it("draws large Poisson means in chunks, still with the right mean and variance", () => {
    const random = createRandom(13);
    const draws = Array.from({ length: 2_000 }, () => random.poisson(100));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    expect(mean).to.be.closeTo(100, 1);
    expect(variance).to.be.closeTo(100, 15);
    expect(createRandom(1).poisson(0)).to.equal(0);
  });

  it("draws log-normal values around their median", () => {
    const random = createRandom(14);
    const draws = Array.from({ length: 10_000 }, () => random.lognormal(50, 0.8)).sort((a, b) => a - b);
    expect(draws[5_000]).to.be.closeTo(50, 2.5);
    expect(draws.every((d) => d > 0)).to.equal(true);
    expect(createRandom(1).lognormal(5, 0)).to.equal(5);
  });

  it("shuffles into a permutation without touching its input", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = createRandom(15).shuffle(items);
    expect([...shuffled].sort((a, b) => a - b)).to.deep.equal(items);
    expect(shuffled).to.not.deep.equal(items);
    expect(items).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
  });

  it("rejects seeds and parameters it cannot use", () => {
    expect(() => createRandom(-1)).to.throw(RandomParameterError);
    expect(() => createRandom(1.5)).to.throw(RandomParameterError);
    expect(() => createRandom(`0x${"1".repeat(65)}`)).to.throw(RandomParameterError);
    const random = createRandom(1);
    expect(() => random.int(0)).to.throw(RandomParameterError);
    expect(() => random.poisson(-1)).to.throw(RandomParameterError);
    expect(() => random.lognormal(0, 1)).to.throw(RandomParameterError);
  });
});
