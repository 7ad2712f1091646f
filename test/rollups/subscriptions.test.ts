import { expect } from "chai";
import type { Hex } from "viem";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import type { SubscriptionSession } from "../../rollups/rpc-server.ts";
import {
  type ChainEventSource,
  type ChainReader,
  ChainSubscriptions,
  InvalidSubscriptionError,
  type LogFilter,
  matchesLogFilter,
  parseSubscription,
  type RpcBlockObject,
  type RpcLogFields,
  type Wanted,
} from "../../rollups/subscriptions.ts";

const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const OTHER = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const TRANSFER = `0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef` as const;
const APPROVAL = `0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925` as const;
const ALICE = `0x${"00".repeat(12)}${"aa".repeat(20)}` as const;
const BOB = `0x${"00".repeat(12)}${"bb".repeat(20)}` as const;

describe("rollups/subscriptions: eth_subscribe params", function () {
  it("reads each kind geth serves", function () {
    expect(parseSubscription(["newHeads"])).to.deep.equal({ kind: "newHeads" });
    expect(parseSubscription(["newPendingTransactions"])).to.deep.equal({ kind: "newPendingTransactions", full: false });
    expect(parseSubscription(["newPendingTransactions", true])).to.deep.equal({ kind: "newPendingTransactions", full: true });
    expect(parseSubscription(["logs"])).to.deep.equal({ kind: "logs", filter: { addresses: [], topics: [] } });
  });

  it("normalises a logs filter: one address or a list, topics lower case, an empty list of alternatives matching any topic", function () {
    const cases: [unknown, LogFilter][] = [
      [{ address: TOKEN }, { addresses: [TOKEN.toLowerCase() as Hex], topics: [] }],
      [{ address: [TOKEN, OTHER] }, { addresses: [TOKEN.toLowerCase() as Hex, OTHER.toLowerCase() as Hex], topics: [] }],
      [{ topics: [TRANSFER.toUpperCase().replace("0X", "0x")] }, { addresses: [], topics: [[TRANSFER]] }],
      [{ topics: [null, [ALICE, BOB]] }, { addresses: [], topics: [null, [ALICE, BOB]] }],
      [{ topics: [[], ALICE] }, { addresses: [], topics: [null, [ALICE]] }],
      // A range means nothing to a subscription, which only sees new logs (geth ignores it too).
      [{ address: TOKEN, fromBlock: "0x1", toBlock: "latest" }, { addresses: [TOKEN.toLowerCase() as Hex], topics: [] }],
      [null, { addresses: [], topics: [] }],
    ];
    for (const [filter, expected] of cases) expect(parseSubscription(["logs", filter])).to.deep.equal({ kind: "logs", filter: expected });
  });

  it("refuses what it cannot serve with invalid params, naming the problem", function () {
    const cases: [unknown[], string][] = [
      [["newBlocks"], `"newBlocks" is not one of newHeads, logs, newPendingTransactions`],
      [[], "nothing is not one of"],
      [["logs", "0x1"], "the logs filter must be an object"],
      [["logs", { address: "0x1234" }], `"0x1234" in the filter's address is not a 20-byte address`],
      [["logs", { address: [TOKEN, 7] }], "7 in the filter's address"],
      [["logs", { topics: TRANSFER }], "the filter's topics must be a list"],
      [["logs", { topics: [null, "0xdead"] }], `"0xdead" at topic position 1 is not a 32-byte topic`],
      [["newPendingTransactions", "yes"], "newPendingTransactions takes true"],
    ];
    for (const [params, reason] of cases) {
      const error = catchError(() => parseSubscription(params));
      expect(error).to.be.instanceOf(InvalidSubscriptionError);
      expect((error as InvalidSubscriptionError).code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
      expect((error as InvalidSubscriptionError).shortMessage).to.contain(reason);
    }
  });
});

describe("rollups/subscriptions: which logs a filter matches (geth's rules)", function () {
  const transfer: RpcLogFields = { address: TOKEN.toLowerCase(), topics: [TRANSFER, ALICE, BOB] };
  const anonymous: RpcLogFields = { address: OTHER, topics: [] };
  const filter = (value: unknown) => (parseSubscription(["logs", value]) as { filter: LogFilter }).filter;
  const cases: [string, RpcLogFields, unknown, boolean][] = [
    ["an empty filter matches every log", transfer, {}, true],
    ["an empty filter matches a log without topics", anonymous, {}, true],
    ["an address matches whatever its case", transfer, { address: TOKEN }, true],
    ["another address does not", transfer, { address: OTHER }, false],
    ["one of several addresses matches", transfer, { address: [OTHER, TOKEN] }, true],
    ["the event's topic matches", transfer, { topics: [TRANSFER] }, true],
    ["another event's does not", transfer, { topics: [APPROVAL] }, false],
    ["alternatives at a position: either matches", transfer, { topics: [[APPROVAL, TRANSFER]] }, true],
    ["null is any topic at its position", transfer, { topics: [null, ALICE] }, true],
    ["a position checks only its own topic", transfer, { topics: [null, BOB] }, false],
    ["the third position", transfer, { topics: [TRANSFER, null, BOB] }, true],
    ["a filter naming more positions than the log has topics never matches, even with null", transfer, { topics: [null, null, null, null] }, false],
    ["null asks for a topic at its position: a log without topics does not match", anonymous, { topics: [null] }, false],
    ["address and topics must both match", transfer, { address: OTHER, topics: [TRANSFER] }, false],
  ];
  for (const [story, log, value, matches] of cases) {
    it(story, function () {
      expect(matchesLogFilter(log, filter(value))).to.equal(matches);
    });
  }
});

/** A chain that answers blocks and logs by hash, each after its own delay, and counts what was read. */
class FakeChain implements ChainReader {
  readonly blocks = new Map<Hex, { block: RpcBlockObject; logs: RpcLogFields[]; delayMs: number }>();
  readonly reads: string[] = [];

  add(number: number, logs: RpcLogFields[] = [], delayMs = 0): Hex {
    const hash = `0x${number.toString(16).padStart(64, "0")}` as Hex;
    this.blocks.set(hash, { block: { hash, number: `0x${number.toString(16)}`, transactions: [`0x${"ee".repeat(32)}`] }, logs, delayMs });
    return hash;
  }

  async request({ method, params }: { method: string; params: unknown[] }): Promise<unknown> {
    this.reads.push(method);
    const hash = method === "eth_getLogs" ? (params[0] as { blockHash: Hex }).blockHash : (params[0] as Hex);
    const entry = this.blocks.get(hash);
    await new Promise((resolve) => setTimeout(resolve, entry?.delayMs ?? 0));
    if (method === "eth_getBlockByHash") return entry?.block ?? null;
    return entry?.logs ?? [];
  }
}

/** One connection's notifications, in the order they came. */
function connection(subscriptions: ChainSubscriptions): { session: SubscriptionSession; received: { subscription: string; result: unknown }[] } {
  const received: { subscription: string; result: unknown }[] = [];
  return { session: subscriptions.open((subscription, result) => received.push({ subscription, result })), received };
}

/** Waits a while, for what should not come: the fake chain answers within 20 ms. */
function settled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 60));
}

/** Resolves once `condition` holds (checked every few ms), then waits {@link settled} for anything more. */
async function heard(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("the notifications never came");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await settled();
}

describe("rollups/subscriptions: notifying subscribers", function () {
  let chain: FakeChain;
  let subscriptions: ChainSubscriptions;

  beforeEach(function () {
    chain = new FakeChain();
    subscriptions = new ChainSubscriptions({ name: "rollup-901", reader: chain });
  });

  it("gives each subscription a fresh 16-byte hex id, as geth", async function () {
    const { session } = connection(subscriptions);
    const ids = await Promise.all([1, 2, 3].map(() => session.subscribe(["newHeads"])));
    for (const id of ids) expect(id).to.match(/^0x[0-9a-f]{32}$/);
    expect(new Set(ids).size).to.equal(3);
  });

  it("reads nothing while nobody subscribed", async function () {
    subscriptions.blockAdded(chain.add(1));
    subscriptions.transactionAdded(`0x${"aa".repeat(32)}`, () => expect.fail("nobody asked for whole transactions"));
    await settled();
    expect(chain.reads).to.deep.equal([]);
  });

  it("notifies headers in the chain's order, a slow read holding back the next, without the transactions", async function () {
    const { session, received } = connection(subscriptions);
    const id = await session.subscribe(["newHeads"]);
    const hashes = [chain.add(1, [], 20), chain.add(2, [], 0), chain.add(3, [], 5)];
    for (const hash of hashes) subscriptions.blockAdded(hash);
    await heard(() => received.length === 3);
    expect(received.map(({ subscription }) => subscription)).to.deep.equal([id, id, id]);
    expect(received.map(({ result }) => (result as RpcBlockObject).hash)).to.deep.equal(hashes);
    expect(received[0]!.result).to.deep.equal({ hash: hashes[0], number: "0x1" });
    // Only headers were asked for: no log was read.
    expect(chain.reads).to.deep.equal(["eth_getBlockByHash", "eth_getBlockByHash", "eth_getBlockByHash"]);
  });

  it("notifies a block given with the event without reading it", async function () {
    const { session, received } = connection(subscriptions);
    await session.subscribe(["newHeads"]);
    subscriptions.blockAdded(`0x${"01".repeat(32)}`, { hash: `0x${"01".repeat(32)}`, number: "0x7", transactions: [] });
    await heard(() => received.length === 1);
    expect(received.map(({ result }) => result)).to.deep.equal([{ hash: `0x${"01".repeat(32)}`, number: "0x7" }]);
    expect(chain.reads).to.deep.equal([]);
  });

  it("notifies every log to every subscription whose filter matches it, one notification per log, marked not removed", async function () {
    const { session, received } = connection(subscriptions);
    const all = await session.subscribe(["logs"]);
    const transfers = await session.subscribe(["logs", { address: TOKEN, topics: [TRANSFER] }]);
    const toBob = await session.subscribe(["logs", { topics: [TRANSFER, null, BOB] }]);
    const logs: RpcLogFields[] = [
      { address: TOKEN.toLowerCase(), topics: [TRANSFER, ALICE, BOB] },
      { address: TOKEN.toLowerCase(), topics: [APPROVAL, ALICE, BOB] },
      { address: OTHER.toLowerCase(), topics: [TRANSFER, BOB, ALICE] },
    ];
    subscriptions.blockAdded(chain.add(1, logs));
    await heard(() => received.length === 5);
    const [transfer, approval, other] = logs.map((log) => ({ ...log, removed: false }));
    expect(received).to.deep.equal([
      { subscription: all, result: transfer },
      { subscription: transfers, result: transfer },
      { subscription: toBob, result: transfer },
      { subscription: all, result: approval },
      { subscription: all, result: other },
    ]);
  });

  it("skips a block the chain no longer has (it went back before the read), and goes on with the next", async function () {
    const { session, received } = connection(subscriptions);
    await session.subscribe(["newHeads"]);
    const next = chain.add(2);
    subscriptions.blockAdded(`0x${"99".repeat(32)}`);
    subscriptions.blockAdded(next);
    await heard(() => received.length === 1);
    expect(received.map(({ result }) => (result as RpcBlockObject).hash)).to.deep.equal([next]);
  });

  it("notifies a lower head after the chain went back, and the blocks built on it", async function () {
    const { session, received } = connection(subscriptions);
    await session.subscribe(["newHeads"]);
    for (const number of [5, 6, 3, 4]) subscriptions.blockAdded(chain.add(number));
    await heard(() => received.length === 4);
    expect(received.map(({ result }) => (result as RpcBlockObject).number)).to.deep.equal(["0x5", "0x6", "0x3", "0x4"]);
  });

  it("does not notify a subscription of a block added before it was made", async function () {
    const early = connection(subscriptions);
    await early.session.subscribe(["newHeads"]);
    subscriptions.blockAdded(chain.add(1, [], 10));
    const late = connection(subscriptions);
    await late.session.subscribe(["newHeads"]);
    await heard(() => early.received.length === 1);
    expect(early.received).to.have.length(1);
    expect(late.received).to.deep.equal([]);
  });

  it("notifies pending transactions as hashes, or whole, built once for every subscriber that asked", async function () {
    const { session, received } = connection(subscriptions);
    const hashes = await session.subscribe(["newPendingTransactions"]);
    const whole = await session.subscribe(["newPendingTransactions", true]);
    const wholeAgain = await session.subscribe(["newPendingTransactions", true]);
    const hash = `0x${"ab".repeat(32)}` as Hex;
    let built = 0;
    subscriptions.transactionAdded(hash, () => ({ hash, built: ++built }));
    await heard(() => received.length === 3);
    expect(received).to.deep.equal([
      { subscription: hashes, result: hash },
      { subscription: whole, result: { hash, built: 1 } },
      { subscription: wholeAgain, result: { hash, built: 1 } },
    ]);
  });

  it("unsubscribes only its own connection's subscriptions, and notifies them no more", async function () {
    const mine = connection(subscriptions);
    const theirs = connection(subscriptions);
    const id = await mine.session.subscribe(["newHeads"]);
    const theirId = await theirs.session.subscribe(["newHeads"]);
    expect(theirs.session.unsubscribe([id])).to.equal(false);
    expect(mine.session.unsubscribe([id.toUpperCase().replace("0X", "0x")])).to.equal(true);
    expect(mine.session.unsubscribe([id])).to.equal(false);
    expect(() => mine.session.unsubscribe([42])).to.throw(InvalidSubscriptionError);
    subscriptions.blockAdded(chain.add(1));
    await heard(() => theirs.received.length === 1);
    expect(mine.received).to.deep.equal([]);
    expect(theirs.received.map(({ subscription }) => subscription)).to.deep.equal([theirId]);
  });

  it("drops every subscription of a closed connection, even a block being read for it", async function () {
    const { session, received } = connection(subscriptions);
    await session.subscribe(["newHeads"]);
    await session.subscribe(["logs"]);
    await session.subscribe(["newPendingTransactions"]);
    subscriptions.blockAdded(chain.add(1, [{ address: TOKEN, topics: [] }], 10));
    session.close();
    expect(subscriptions.size).to.equal(0);
    await settled();
    expect(received).to.deep.equal([]);
  });
});

describe("rollups/subscriptions: a source started and stopped as subscriptions come and go", function () {
  /** A source that records what it was told, and fails when asked to. */
  function recordingSource(): ChainEventSource & { told: Wanted[]; failNext: boolean } {
    const source = {
      told: [] as Wanted[],
      failNext: false,
      async want(wanted: Wanted) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (source.failNext) {
          source.failNext = false;
          throw new Error("the chain is closing");
        }
        source.told.push(wanted);
      },
    };
    return source;
  }

  it("starts blocks with the first newHeads or logs subscription, pending transactions with theirs, and stops each with its last", async function () {
    const source = recordingSource();
    const subscriptions = new ChainSubscriptions({ name: "L1", reader: new FakeChain(), source });
    const { session } = connection(subscriptions);
    const heads = await session.subscribe(["newHeads"]);
    const logs = await session.subscribe(["logs"]);
    const pending = await session.subscribe(["newPendingTransactions"]);
    for (const id of [heads, logs, pending]) {
      session.unsubscribe([id]);
      await settled();
    }
    expect(source.told).to.deep.equal([
      { blocks: true, pendingTransactions: false },
      { blocks: true, pendingTransactions: true },
      { blocks: false, pendingTransactions: true },
      { blocks: false, pendingTransactions: false },
    ]);
  });

  it("answers a subscription only once the source is started, and refuses it when the source cannot start", async function () {
    const source = recordingSource();
    const subscriptions = new ChainSubscriptions({ name: "L1", reader: new FakeChain(), source });
    const { session } = connection(subscriptions);
    source.failNext = true;
    const error = await session.subscribe(["newHeads"]).then(
      () => expect.fail("the source failed"),
      (caught: unknown) => caught,
    );
    expect((error as Error).message).to.contain("Could not subscribe to newHeads on L1");
    expect(subscriptions.size).to.equal(0);
    await session.subscribe(["newHeads"]);
    expect(source.told).to.deep.equal([{ blocks: true, pendingTransactions: false }]);
  });
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return expect.fail("expected an error");
}
