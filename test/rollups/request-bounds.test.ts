import { spawn } from "node:child_process";
import { expect } from "chai";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import { type Chain, createChain, PROJECT_ROOT } from "../../rollups/chain.ts";
import {
  boundLogFilter,
  InvalidLogFilterError,
  isLogRangeMethod,
  LogRangeTooLargeError,
  MAX_LOG_BLOCK_RANGE,
  requestBoundedLogs,
  type BoundLogFilterParameters,
} from "../../rollups/log-range.ts";
import { RequestTimeoutError, startRpcServer, type JsonRpcHandler, type RpcServer } from "../../rollups/rpc-server.ts";
import type { Devnet } from "../../devnet/devnet.ts";
import { collect, type JsonRpcResponse, startTestDevnet } from "../support/fixtures.ts";

const HOST = "127.0.0.1";
/** 2^48: a toBlock no chain reaches, which EDR would walk block by block. */
const FAR_FUTURE = "0x1000000000000";

async function call(url: string, method: string, params: unknown[] = [], id: number = 1): Promise<JsonRpcResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
  });
  expect(response.status).to.equal(200);
  return (await response.json()) as JsonRpcResponse;
}

/** A promise the test settles by hand, to stand for work that takes as long as the test says. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("rollups/request-bounds: every request answers or fails within a bound", function () {
  describe("log block ranges (pure)", function () {
    const head = 20n;
    const allowed: { name: string; parameters: BoundLogFilterParameters; range: [bigint, bigint] | undefined; toBlock?: string }[] = [
      { name: "an empty filter is the head alone", parameters: { method: "eth_getLogs", filter: {}, head }, range: [20n, 20n] },
      {
        name: "every tag but earliest is the head",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "safe", toBlock: "pending" }, head },
        range: [20n, 20n],
      },
      {
        name: "earliest to finalized is the whole chain",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "earliest", toBlock: "finalized" }, head },
        range: [0n, 20n],
      },
      {
        name: "a toBlock past the head is the head, and the filter sent on says so",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "0x0", toBlock: "0x100000" }, head },
        range: [0n, 20n],
        toBlock: "0x14",
      },
      {
        name: "a toBlock far in the future is the head too",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "0x0", toBlock: FAR_FUTURE }, head },
        range: [0n, 20n],
        toBlock: "0x14",
      },
      {
        name: "exactly the limit",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "earliest" }, head: 9_999n },
        range: [0n, 9_999n],
      },
      {
        name: "a reversed range, which matches nothing",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "0x10", toBlock: "0x2" }, head },
        range: [16n, 2n],
      },
      {
        name: "a fromBlock past the head",
        parameters: { method: "eth_getLogs", filter: { fromBlock: FAR_FUTURE, toBlock: "latest" }, head },
        range: [2n ** 48n, 20n],
      },
      {
        name: "a filter over the next hundred blocks, which it will see as they come",
        parameters: { method: "eth_newFilter", filter: { fromBlock: "latest", toBlock: "0x78" }, head },
        range: [20n, 120n],
      },
      {
        name: "a blockHash filter, one block",
        parameters: { method: "eth_getLogs", filter: { blockHash: `0x${"11".repeat(32)}` }, head },
        range: undefined,
      },
      {
        name: "a wider range under a wider limit",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "earliest" }, head: 50_000n, maxBlockRange: 50_001 },
        range: [0n, 50_000n],
      },
    ];
    for (const { name, parameters, range, toBlock } of allowed) {
      it(`allows ${name}`, function () {
        const bounded = boundLogFilter(parameters);
        expect(bounded.range).to.deep.equal(range === undefined ? undefined : { fromBlock: range[0], toBlock: range[1] });
        const sent = parameters.filter as Record<string, unknown>;
        expect(bounded.filter).to.deep.equal(toBlock === undefined ? sent : { ...sent, toBlock });
      });
    }

    const refused: { name: string; parameters: BoundLogFilterParameters; range: [bigint, bigint]; limit: number }[] = [
      {
        name: "one block over the limit",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "earliest", toBlock: "latest" }, head: 10_000n },
        range: [0n, 10_000n],
        limit: MAX_LOG_BLOCK_RANGE,
      },
      {
        name: "2^20 blocks on a chain that has them",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "0x0", toBlock: "0x100000" }, head: 2n ** 21n },
        range: [0n, 2n ** 20n],
        limit: MAX_LOG_BLOCK_RANGE,
      },
      {
        name: "a far-future toBlock once the chain is longer than the limit",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "earliest", toBlock: FAR_FUTURE }, head: 12_345n },
        range: [0n, 12_345n],
        limit: MAX_LOG_BLOCK_RANGE,
      },
      {
        name: "a filter whose future blocks pass the limit",
        parameters: { method: "eth_newFilter", filter: { fromBlock: "0x0", toBlock: "0x100000" }, head },
        range: [0n, 2n ** 20n],
        limit: MAX_LOG_BLOCK_RANGE,
      },
      {
        name: "a range over a smaller limit",
        parameters: { method: "eth_getLogs", filter: { fromBlock: "0x0", toBlock: "0xa" }, head, maxBlockRange: 10 },
        range: [0n, 10n],
        limit: 10,
      },
    ];
    for (const { name, parameters, range, limit } of refused) {
      it(`refuses ${name} with LogRangeTooLargeError (-32005, the limit in data)`, function () {
        const error = thrownBy(() => boundLogFilter(parameters));
        expect(error).to.be.instanceOf(LogRangeTooLargeError);
        const tooLarge = error as LogRangeTooLargeError;
        expect(tooLarge.code).to.equal(JSON_RPC_ERROR_CODES.limitExceeded);
        expect(tooLarge.method).to.equal(parameters.method);
        expect(tooLarge.range).to.deep.equal({ fromBlock: range[0], toBlock: range[1] });
        expect(tooLarge.limit).to.equal(limit);
        expect(tooLarge.data).to.deep.equal({
          limit,
          fromBlock: `0x${range[0].toString(16)}`,
          toBlock: `0x${range[1].toString(16)}`,
        });
      });
    }

    const malformed: { name: string; filter: unknown }[] = [
      { name: "no filter", filter: undefined },
      { name: "a filter that is an array", filter: [] },
      { name: "a decimal block number", filter: { fromBlock: "1" } },
      { name: "a block number that is a JSON number", filter: { toBlock: 1 } },
      { name: "an unknown tag", filter: { fromBlock: "newest" } },
      { name: "an EIP-1898 block object", filter: { fromBlock: { blockNumber: "0x1" } } },
    ];
    for (const { name, filter } of malformed) {
      it(`refuses ${name} with InvalidLogFilterError (-32602)`, function () {
        const error = thrownBy(() => boundLogFilter({ method: "eth_getLogs", filter, head }));
        expect(error).to.be.instanceOf(InvalidLogFilterError);
        expect((error as InvalidLogFilterError).code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
      });
    }

    it("routes exactly eth_getLogs and eth_newFilter", function () {
      const methods = ["eth_getLogs", "eth_newFilter", "eth_getFilterLogs", "eth_getFilterChanges", "eth_newBlockFilter"];
      expect(methods.filter(isLogRangeMethod)).to.deep.equal(["eth_getLogs", "eth_newFilter"]);
    });
  });

  describe("log block ranges on a chain longer than the limit, over HTTP", function () {
    // An L1 chain (it mines blocks on request) served as the devnet serves L1
    // once it routes log queries through requestBoundedLogs.
    let chain: Chain;
    let server: RpcServer;
    let head: number;

    before(async function () {
      chain = await createChain({ name: "L1", chainId: 31_337, kind: "l1", genesisTimestamp: Math.floor(Date.now() / 1000) });
      await chain.provider.request({ method: "hardhat_mine", params: [`0x${(MAX_LOG_BLOCK_RANGE + 1).toString(16)}`] });
      head = Number(await chain.provider.request({ method: "eth_blockNumber", params: [] }));
      const handle: JsonRpcHandler = ({ method, params }) =>
        isLogRangeMethod(method) ? requestBoundedLogs(chain.provider, { method, params }) : chain.provider.request({ method, params });
      server = await startRpcServer({ host: HOST, port: 0, handle, name: "L1" });
    });

    after(async function () {
      await server?.close();
      await chain?.close();
    });

    it("refuses eth_getLogs over the whole chain with -32005 and the limit, then keeps serving", async function () {
      expect(head).to.equal(MAX_LOG_BLOCK_RANGE + 1);
      const answer = await call(server.url, "eth_getLogs", [{ fromBlock: "earliest", toBlock: "latest" }]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.limitExceeded);
      expect(answer.error?.data).to.deep.equal({ limit: MAX_LOG_BLOCK_RANGE, fromBlock: "0x0", toBlock: `0x${head.toString(16)}` });
      expect((await call(server.url, "eth_chainId")).result).to.equal("0x7a69");
    });

    it("counts a toBlock past the head as the head when refusing", async function () {
      const answer = await call(server.url, "eth_getLogs", [{ fromBlock: "0x0", toBlock: FAR_FUTURE }]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.limitExceeded);
      expect(answer.error?.data).to.deep.equal({ limit: MAX_LOG_BLOCK_RANGE, fromBlock: "0x0", toBlock: `0x${head.toString(16)}` });
    });

    it("serves the last 10 000 blocks, even with a far-future toBlock", async function () {
      const fromBlock = `0x${(head - MAX_LOG_BLOCK_RANGE + 1).toString(16)}`;
      expect((await call(server.url, "eth_getLogs", [{ fromBlock, toBlock: "latest" }])).result).to.deep.equal([]);
      expect((await call(server.url, "eth_getLogs", [{ fromBlock, toBlock: FAR_FUTURE }])).result).to.deep.equal([]);
    });

    it("refuses a filter over the whole chain, and serves one over the last blocks", async function () {
      const refused = await call(server.url, "eth_newFilter", [{ fromBlock: "earliest" }]);
      expect(refused.error?.code).to.equal(JSON_RPC_ERROR_CODES.limitExceeded);

      const created = await call(server.url, "eth_newFilter", [{ fromBlock: `0x${(head - 10).toString(16)}` }]);
      expect(created.result).to.be.a("string");
      expect((await call(server.url, "eth_getFilterLogs", [created.result])).result).to.deep.equal([]);
      expect((await call(server.url, "eth_getFilterChanges", [created.result])).result).to.deep.equal([]);
    });

    it("answers a malformed block with -32602 before asking the chain", async function () {
      const answer = await call(server.url, "eth_getLogs", [{ fromBlock: "1", toBlock: "2" }]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
    });
  });

  describe("time limits", function () {
    let server: RpcServer;
    let release: { promise: Promise<void>; resolve: () => void };
    let started: string[];

    const handle: JsonRpcHandler = async ({ method, params }) => {
      started.push(method);
      switch (method) {
        case "hang":
          return new Promise(() => undefined);
        case "wait":
          await release.promise;
          return "late";
        case "waitThenFail":
          await release.promise;
          throw new Error("failed after its time limit");
        case "echo":
          return params;
        default:
          throw new XrollupError(`Method ${method} is not supported.`, { code: JSON_RPC_ERROR_CODES.methodNotFound });
      }
    };

    beforeEach(async function () {
      release = deferred();
      started = [];
      server = await startRpcServer({
        host: HOST,
        port: 0,
        handle,
        name: "rollup 901",
        requestTimeoutMs: 100,
        methodTimeoutsMs: { wait: Infinity },
      });
    });

    afterEach(async function () {
      release.resolve();
      await server.close();
    });

    it("answers a request whose handler never finishes with RequestTimeoutError's code, naming the method and the limit", async function () {
      const answer = await call(server.url, "hang", [], 7);
      expect(answer.id).to.equal(7);
      expect(answer.result).to.equal(undefined);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.resourceUnavailable);
      expect(answer.error?.data).to.deep.equal({ method: "hang", timeoutMs: 100 });
      expect(new RequestTimeoutError({ method: "hang", timeoutMs: 100 }).code).to.equal(answer.error?.code);
      // The endpoint is not wedged by the handler that still hangs.
      expect((await call(server.url, "echo", ["after"])).result).to.deep.equal(["after"]);
    });

    it("answers each entry of a batch, the hung one with a timeout, and goes on with the next", async function () {
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify([
          { jsonrpc: "2.0", id: 1, method: "echo", params: ["before"] },
          { jsonrpc: "2.0", id: 2, method: "hang" },
          { jsonrpc: "2.0", id: 3, method: "echo", params: ["after"] },
        ]),
      });
      const answers = (await response.json()) as JsonRpcResponse[];
      expect(answers.map((answer) => [answer.id, answer.error?.code ?? answer.result])).to.deep.equal([
        [1, ["before"]],
        [2, JSON_RPC_ERROR_CODES.resourceUnavailable],
        [3, ["after"]],
      ]);
    });

    it("gives a method with its own limit as long as it takes", async function () {
      const pending = call(server.url, "wait");
      // Let it outlive the default limit of 100 ms many times over before it finishes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      release.resolve();
      expect((await pending).result).to.equal("late");
    });

    it("discards the result or error a handler produces after its time limit", async function () {
      const strict = await startRpcServer({ host: HOST, port: 0, handle, requestTimeoutMs: 50 });
      try {
        const timedOut = await call(strict.url, "wait");
        expect(timedOut.error?.code).to.equal(JSON_RPC_ERROR_CODES.resourceUnavailable);
        const failed = await call(strict.url, "waitThenFail");
        expect(failed.error?.code).to.equal(JSON_RPC_ERROR_CODES.resourceUnavailable);
        release.resolve();
        await release.promise;
        // Both late outcomes came and went without a second answer or an unhandled rejection.
        expect((await call(strict.url, "echo", ["still serving"])).result).to.deep.equal(["still serving"]);
        expect(started).to.deep.equal(["wait", "waitThenFail", "echo"]);
      } finally {
        await strict.close();
      }
    });
  });

  describe("shutdown with a request in flight", function () {
    it("close() resolves while a handler hangs, and the hung request's connection is dropped", async function () {
      const entered = deferred();
      const release = deferred();
      const server = await startRpcServer({
        host: HOST,
        port: 0,
        requestTimeoutMs: Infinity,
        handle: async () => {
          entered.resolve();
          await release.promise;
          return "too late";
        },
      });
      const inFlight = call(server.url, "hang").then(
        () => "answered",
        () => "dropped",
      );
      await entered.promise;
      await server.close();
      expect(await inFlight).to.equal("dropped");
      // The handler finishing after the close must not write to the dropped connection or throw.
      release.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    });

    it("a process whose server closed with a request hung in its handler exits by itself", async function () {
      // The default time limit (60 s) must not keep the process alive after close().
      const script = `
        import { startRpcServer } from "./rollups/rpc-server.ts";
        const server = await startRpcServer({ host: "127.0.0.1", port: 0, handle: () => new Promise(() => {}) });
        const inFlight = fetch(server.url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hang" }),
        }).then(() => "answered", () => "dropped");
        await new Promise((resolve) => setTimeout(resolve, 200));
        await server.close();
        console.log(await inFlight);
      `;
      const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
        cwd: PROJECT_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      // Far below the 60 s limit the timer would otherwise hold the process for.
      const run = await collect(child, 30_000);
      expect(run.stderr).to.equal("");
      expect(run.code).to.equal(0);
      expect(run.stdout.trim()).to.equal("dropped");
    });
  });

  describe("on a real devnet", function () {
    let devnet: Devnet;
    let url: string;

    before(async function () {
      devnet = await startTestDevnet();
      url = devnet.rollups[0]!.rpcUrl!;
    });

    after(async function () {
      await devnet?.stop();
    });

    it("answers eth_getLogs up to a far-future block from the head's logs, and eth_chainId right after", async function () {
      const answer = await call(url, "eth_getLogs", [{ fromBlock: "0x0", toBlock: FAR_FUTURE }]);
      expect(answer.error).to.equal(undefined);
      expect(answer.result).to.deep.equal([]);
      expect((await call(url, "eth_chainId")).result).to.equal(`0x${devnet.rollups[0]!.chainId.toString(16)}`);
    });

    it("refuses a filter over 2^20 blocks with the range error, and eth_chainId answers right after", async function () {
      const answer = await call(url, "eth_newFilter", [{ fromBlock: "0x0", toBlock: "0x100000" }]);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.limitExceeded);
      expect(answer.error?.data).to.deep.equal({ limit: MAX_LOG_BLOCK_RANGE, fromBlock: "0x0", toBlock: "0x100000" });
      expect((await call(url, "eth_chainId")).result).to.equal(`0x${devnet.rollups[0]!.chainId.toString(16)}`);
    });
  });
});
