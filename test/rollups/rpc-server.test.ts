import { expect } from "chai";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../../errors/base.ts";
import {
  InvalidRequestTimeoutError,
  PortInUseError,
  startRpcServer,
  type JsonRpcHandler,
  type RpcServer,
} from "../../rollups/rpc-server.ts";

interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const HOST = "127.0.0.1";

/** Methods a rollup might serve, reduced to what the transport has to get right. */
function demoHandler(): { handle: JsonRpcHandler; served: unknown[] } {
  // What the handler saw, in the order it finished: shows notifications are
  // served and batch entries run one after the other.
  const served: unknown[] = [];
  const handle: JsonRpcHandler = async ({ method, params }) => {
    switch (method) {
      case "echo":
        served.push(params);
        return params;
      case "slow": {
        const [value, delayMs] = params as [unknown, number];
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        served.push(value);
        return value;
      }
      case "fail":
        throw new XrollupError("Transaction rejected: nonce too low.", {
          code: JSON_RPC_ERROR_CODES.transactionRejected,
          data: { expectedNonce: "0x2" },
        });
      case "boom":
        throw new Error("the handler has a bug");
      case "balance":
        return { balance: 10n ** 18n, nonce: 0n };
      case "nothing":
        return undefined;
      default:
        throw new XrollupError(`Method ${method} is not supported.`, { code: JSON_RPC_ERROR_CODES.methodNotFound });
    }
  };
  return { handle, served };
}

function post(server: RpcServer, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
}

async function call(server: RpcServer, payload: unknown): Promise<JsonRpcResponse> {
  const response = await post(server, JSON.stringify(payload));
  expect(response.status).to.equal(200);
  expect(response.headers.get("content-type")).to.equal("application/json");
  return (await response.json()) as JsonRpcResponse;
}

async function callBatch(server: RpcServer, payload: unknown[]): Promise<JsonRpcResponse[]> {
  const answer = (await call(server, payload)) as unknown;
  expect(answer).to.be.an("array");
  return answer as JsonRpcResponse[];
}

function request(id: string | number | null | undefined, method: string, params?: unknown): Record<string, unknown> {
  const entry: Record<string, unknown> = { jsonrpc: "2.0", method };
  if (id !== undefined) entry.id = id;
  if (params !== undefined) entry.params = params;
  return entry;
}

describe("rollups/rpc-server", function () {
  let server: RpcServer;
  let served: unknown[];

  beforeEach(async function () {
    const demo = demoHandler();
    served = demo.served;
    server = await startRpcServer({ host: HOST, port: 0, handle: demo.handle, name: "rollup 901" });
  });

  afterEach(async function () {
    await server.close();
  });

  describe("requests", function () {
    it("answers a single call with its result and id", async function () {
      expect(await call(server, request(1, "echo", ["0xabc", 7]))).to.deep.equal({
        jsonrpc: "2.0",
        id: 1,
        result: ["0xabc", 7],
      });
      expect(await call(server, request("a", "echo"))).to.deep.equal({ jsonrpc: "2.0", id: "a", result: [] });
      expect(await call(server, request(null, "echo", [1]))).to.deep.equal({ jsonrpc: "2.0", id: null, result: [1] });
    });

    it("answers null when the handler returns nothing, as JSON-RPC needs a result", async function () {
      expect(await call(server, request(1, "nothing"))).to.deep.equal({ jsonrpc: "2.0", id: 1, result: null });
    });

    it("sends bigints in a result as 0x-hex quantities", async function () {
      expect((await call(server, request(1, "balance"))).result).to.deep.equal({
        balance: "0xde0b6b3a7640000",
        nonce: "0x0",
      });
    });

    it("serves a batch one entry after the other and answers in request order", async function () {
      const answers = await callBatch(server, [
        request(1, "slow", ["first", 40]),
        request(2, "slow", ["second", 10]),
        request(3, "slow", ["third", 0]),
      ]);
      expect(answers.map((answer) => [answer.id, answer.result])).to.deep.equal([
        [1, "first"],
        [2, "second"],
        [3, "third"],
      ]);
      // The slowest entry came first and still finished first: nothing ran concurrently.
      expect(served).to.deep.equal(["first", "second", "third"]);
    });

    it("serves notifications without answering them, with 204 when nothing is left to answer", async function () {
      const single = await post(server, JSON.stringify(request(undefined, "echo", ["single"])));
      expect(single.status).to.equal(204);
      expect(await single.text()).to.equal("");

      const batch = await post(
        server,
        JSON.stringify([request(undefined, "echo", ["batched"]), request(undefined, "fail")]),
      );
      expect(batch.status).to.equal(204);
      expect(served).to.deep.equal([["single"], ["batched"]]);

      const mixed = await callBatch(server, [request(undefined, "echo", ["quiet"]), request(9, "echo", ["loud"])]);
      expect(mixed).to.deep.equal([{ jsonrpc: "2.0", id: 9, result: ["loud"] }]);
    });
  });

  describe("invalid requests", function () {
    it("answers a body that is not JSON with a parse error", async function () {
      const response = await post(server, '{"jsonrpc":"2.0","id":1,');
      expect(response.status).to.equal(200);
      const answer = (await response.json()) as JsonRpcResponse;
      expect(answer.id).to.equal(null);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.parseError);
    });

    it("answers an empty batch with a single invalid-request error", async function () {
      const answer = await call(server, []);
      expect(answer).to.not.be.an("array");
      expect(answer.id).to.equal(null);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidRequest);
    });

    const cases: { name: string; payload: unknown; id: string | number | null }[] = [
      { name: "a request that is not an object", payload: 42, id: null },
      { name: "a request that is an array inside a batch position", payload: [[request(1, "echo")]], id: null },
      { name: "a missing jsonrpc", payload: { id: 1, method: "echo" }, id: 1 },
      { name: "a jsonrpc other than 2.0", payload: { jsonrpc: "1.0", id: 1, method: "echo" }, id: 1 },
      { name: "a missing method", payload: { jsonrpc: "2.0", id: 2 }, id: 2 },
      { name: "a method that is not a string", payload: { jsonrpc: "2.0", id: 3, method: 7 }, id: 3 },
      { name: "params that are a string", payload: request(4, "echo", "0x1"), id: 4 },
      { name: "params that are null", payload: request(5, "echo", null), id: 5 },
      { name: "an id that is an object", payload: request({ n: 1 } as unknown as number, "echo"), id: null },
      { name: "an id that is a boolean", payload: request(true as unknown as number, "echo"), id: null },
      { name: "an invalid request without an id", payload: { jsonrpc: "2.0", method: 1 }, id: null },
    ];
    for (const { name, payload, id } of cases) {
      it(`rejects ${name} as an invalid request`, async function () {
        const answer = await call(server, payload);
        const single = Array.isArray(answer) ? (answer[0] as JsonRpcResponse) : answer;
        expect(single.id).to.equal(id);
        expect(single.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidRequest);
        expect(single.error?.message).to.be.a("string").and.not.be.empty;
        expect(served).to.deep.equal([]);
      });
    }

    it("rejects params given by name, as Ethereum methods take them by position", async function () {
      const answer = await call(server, request(1, "echo", { address: "0x0" }));
      expect(answer.id).to.equal(1);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
      expect(served).to.deep.equal([]);
    });

    it("answers each invalid batch entry on its own and still serves the others", async function () {
      const answers = await callBatch(server, [
        request(1, "echo", ["before"]),
        5,
        request(2, "echo", "not params"),
        request(undefined, "echo", ["notified"]),
        request(3, "fail"),
        request(4, "echo", ["after"]),
      ]);
      expect(answers.map((answer) => [answer.id, answer.error?.code ?? answer.result])).to.deep.equal([
        [1, ["before"]],
        [null, JSON_RPC_ERROR_CODES.invalidRequest],
        [2, JSON_RPC_ERROR_CODES.invalidRequest],
        [3, JSON_RPC_ERROR_CODES.transactionRejected],
        [4, ["after"]],
      ]);
      expect(served).to.deep.equal([["before"], ["notified"], ["after"]]);
    });
  });

  describe("handler errors", function () {
    it("passes an XrollupError's code and data through", async function () {
      const answer = await call(server, request(7, "fail"));
      expect(answer.id).to.equal(7);
      expect(answer.result).to.equal(undefined);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
      expect(answer.error?.data).to.deep.equal({ expectedNonce: "0x2" });
    });

    it("answers any other error as an internal error", async function () {
      const answer = await call(server, request(8, "boom"));
      expect(answer.id).to.equal(8);
      expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.internalError);
    });
  });

  describe("HTTP", function () {
    it("refuses a body over the limit with 413 and keeps serving", async function () {
      const small = await startRpcServer({ host: HOST, port: 0, maxBodyBytes: 1024, handle: demoHandler().handle });
      try {
        const response = await post(small, JSON.stringify(request(1, "echo", ["x".repeat(64 * 1024)])));
        expect(response.status).to.equal(413);
        const answer = (await response.json()) as JsonRpcResponse;
        expect(answer.error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidRequest);
        expect(answer.error?.message).to.contain("1024 bytes");

        expect((await call(small, request(2, "echo", ["fits"]))).result).to.deep.equal(["fits"]);
      } finally {
        await small.close();
      }
    });

    it("refuses a chunked body once it crosses the limit, without a length up front", async function () {
      const small = await startRpcServer({ host: HOST, port: 0, maxBodyBytes: 1024, handle: demoHandler().handle });
      try {
        const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
        let chunksLeft = 256; // 4 MiB, far more than the server should read
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (chunksLeft-- === 0) controller.close();
            else controller.enqueue(chunk);
          },
        });
        const response = await fetch(small.url, { method: "POST", body, duplex: "half" } as RequestInit);
        expect(response.status).to.equal(413);
        expect(((await response.json()) as JsonRpcResponse).error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidRequest);

        expect((await call(small, request(2, "echo", ["fits"]))).result).to.deep.equal(["fits"]);
      } finally {
        await small.close();
      }
    });

    it("allows any origin on answers", async function () {
      const response = await post(server, JSON.stringify(request(1, "echo")), { Origin: "http://localhost:3000" });
      expect(response.headers.get("access-control-allow-origin")).to.equal("*");
      const notification = await post(server, JSON.stringify(request(undefined, "echo")));
      expect(notification.headers.get("access-control-allow-origin")).to.equal("*");
    });

    it("answers a CORS preflight with 204 and the allowed methods and headers", async function () {
      const preflight = await fetch(server.url, {
        method: "OPTIONS",
        headers: {
          Origin: "http://localhost:3000",
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "content-type, x-api-key",
        },
      });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
      expect(preflight.headers.get("access-control-allow-methods")).to.equal("POST, GET, OPTIONS");
      expect(preflight.headers.get("access-control-allow-headers")).to.equal("content-type, x-api-key");
      expect(Number(preflight.headers.get("access-control-max-age"))).to.be.greaterThan(0);

      const bare = await fetch(server.url, { method: "OPTIONS" });
      expect(bare.status).to.equal(204);
      expect(bare.headers.get("access-control-allow-headers")).to.equal("Content-Type, Authorization");
    });

    it("answers GET with a health check naming the endpoint", async function () {
      const response = await fetch(server.url);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.equal("application/json");
      expect(await response.json()).to.deep.equal({ name: "rollup 901", status: "ok" });
    });

    it("answers other HTTP methods with 405 and a JSON-RPC error", async function () {
      const response = await fetch(server.url, { method: "PUT", body: JSON.stringify(request(1, "echo")) });
      expect(response.status).to.equal(405);
      expect(response.headers.get("allow")).to.equal("POST, GET, OPTIONS");
      expect(((await response.json()) as JsonRpcResponse).error?.code).to.equal(JSON_RPC_ERROR_CODES.invalidRequest);
      expect(served).to.deep.equal([]);
    });
  });

  describe("lifecycle", function () {
    it("reports the port it picked when asked for port 0", async function () {
      expect(server.port).to.be.greaterThan(0);
      expect(server.host).to.equal(HOST);
      expect(server.url).to.equal(`http://${HOST}:${server.port}`);
    });

    it("puts an IPv6 host in brackets in its url", async function () {
      let ipv6: RpcServer;
      try {
        ipv6 = await startRpcServer({ host: "::1", port: 0, handle: demoHandler().handle });
      } catch {
        this.skip(); // no IPv6 loopback on this machine
      }
      try {
        expect(ipv6.url).to.equal(`http://[::1]:${ipv6.port}`);
        expect((await call(ipv6, request(1, "echo", [6]))).result).to.deep.equal([6]);
      } finally {
        await ipv6.close();
      }
    });

    it("rejects a port that is already in use with PortInUseError", async function () {
      let error: unknown;
      try {
        const second = await startRpcServer({ host: HOST, port: server.port, handle: demoHandler().handle, name: "rollup 902" });
        await second.close();
      } catch (caught) {
        error = caught;
      }
      expect(error).to.be.instanceOf(PortInUseError);
      expect(error).to.be.instanceOf(XrollupError);
      expect((error as PortInUseError).port).to.equal(server.port);
      expect((error as PortInUseError).host).to.equal(HOST);
      // The first server is untouched.
      expect((await call(server, request(1, "echo", [1]))).result).to.deep.equal([1]);
    });

    const badTimeouts: { name: string; options: { requestTimeoutMs?: number; methodTimeoutsMs?: Record<string, number> } }[] = [
      { name: "zero", options: { requestTimeoutMs: 0 } },
      { name: "a negative limit", options: { requestTimeoutMs: -1 } },
      { name: "NaN", options: { requestTimeoutMs: Number.NaN } },
      { name: "a limit setTimeout cannot wait for", options: { requestTimeoutMs: 2 ** 31 } },
      { name: "a string", options: { requestTimeoutMs: "60000" as unknown as number } },
      { name: "a bad per-method limit", options: { methodTimeoutsMs: { eth_sendRawTransaction: 0 } } },
    ];
    for (const { name, options } of badTimeouts) {
      it(`refuses ${name} as a time limit with InvalidRequestTimeoutError, before binding`, async function () {
        let error: unknown;
        try {
          const bad = await startRpcServer({ host: HOST, port: server.port, handle: demoHandler().handle, ...options });
          await bad.close();
        } catch (caught) {
          error = caught;
        }
        // Not PortInUseError: the options are checked before the port.
        expect(error).to.be.instanceOf(InvalidRequestTimeoutError);
        expect((error as InvalidRequestTimeoutError).code).to.equal(JSON_RPC_ERROR_CODES.invalidParams);
      });
    }

    it("accepts Infinity as no time limit", async function () {
      const patient = await startRpcServer({ host: HOST, port: 0, handle: demoHandler().handle, requestTimeoutMs: Infinity });
      try {
        expect((await call(patient, request(1, "slow", ["done", 10]))).result).to.equal("done");
      } finally {
        await patient.close();
      }
    });

    it("closes idempotently, drops kept-alive connections and frees the port", async function () {
      const { port } = server;
      await call(server, request(1, "echo")); // leaves a kept-alive connection in fetch's pool
      const first = server.close();
      expect(server.close()).to.equal(first);
      await first;
      await server.close();

      let refused: unknown;
      try {
        await post(server, JSON.stringify(request(2, "echo")));
      } catch (caught) {
        refused = caught;
      }
      expect(refused).to.be.instanceOf(TypeError); // fetch failed: nothing listens any more

      server = await startRpcServer({ host: HOST, port, handle: demoHandler().handle });
      expect(server.port).to.equal(port);
      expect((await call(server, request(3, "echo", ["again"]))).result).to.deep.equal(["again"]);
    });
  });
});
