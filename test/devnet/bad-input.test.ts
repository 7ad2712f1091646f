import { expect } from "chai";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Devnet, DevnetChain } from "../../devnet/devnet.ts";
import { JSON_RPC_ERROR_CODES } from "../../errors/base.ts";
import {
  accountAddress,
  labelAddress,
  type JsonRpcResponse,
  postRaw,
  rpc,
  signTransaction,
  signTransfer,
  startTestDevnet,
} from "../support/fixtures.ts";

const RECIPIENT = labelAddress("bad-input recipient");
/** Development account that has sent one transfer on rollup A before the cases run. */
const SENDER = 1;
/** The rpc server's default body limit (10 MiB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** What a bad request must leave untouched. */
interface Observed {
  blocks: bigint[];
  accounts: { address: Address; nonce: number; pendingNonce: number; balance: bigint }[];
}

/** What the bad requests are made from, prepared once the devnet runs. */
interface Context {
  url: string;
  /** Address of {@link SENDER}. */
  sender: Address;
  unfundedAddress: Address;
  send: (raw: Hex) => Promise<{ status: number; body: unknown }>;
  /** Signed by {@link SENDER} for rollup B's chain id. */
  forOtherChain: Hex;
  /** Signed by {@link SENDER} with its used nonce 0. */
  reusedNonce: Hex;
  /** Signed by a fresh key that holds nothing. */
  fromUnfunded: Hex;
  chainIds: { a: number; b: number };
}

/** One bad request and the answer it must get. */
interface BadInput {
  story: string;
  send: (context: Context) => Promise<{ status: number; body: unknown }>;
  httpStatus?: number;
  code: number;
  /** Fields the error's `data` must carry. */
  data?: (context: Context) => Record<string, unknown>;
}

function request(method: string, params: unknown[]): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
}

const { parseError, invalidRequest, methodNotFound, invalidParams, transactionRejected } = JSON_RPC_ERROR_CODES;

const BAD_INPUTS: readonly BadInput[] = [
  { story: "a body that is not JSON", send: ({ url }) => postRaw(url, '{"jsonrpc": "2.0", "id": 1, "method": '), code: parseError },
  { story: "a request without a method", send: ({ url }) => postRaw(url, '{"jsonrpc": "2.0", "id": 1, "params": []}'), code: invalidRequest },
  { story: "an unknown method", send: ({ url }) => postRaw(url, request("eth_noSuchMethod", [])), code: methodNotFound },
  { story: "hardhat_reset, a chain-control method no rollup serves", send: ({ url }) => postRaw(url, request("hardhat_reset", [])), code: methodNotFound },
  { story: "debug_setHead, a chain-control method no rollup serves", send: ({ url }) => postRaw(url, request("debug_setHead", ["0x0"])), code: methodNotFound },
  { story: "eth_sendRawTransaction with bytes that are no transaction", send: ({ send }) => send("0xf81234"), code: invalidParams },
  {
    story: "eth_sendRawTransaction with a transaction type the rollups do not run (0x12)",
    send: ({ send }) => send("0x1234"),
    code: -32003,
    data: () => ({ type: 0x12 }),
  },
  {
    story: "xr_getTransactionStatus with something that is not a hash",
    send: ({ url }) => postRaw(url, request("xr_getTransactionStatus", ["0x1234"])),
    code: invalidParams,
  },
  {
    story: "a transaction signed for another rollup's chain id",
    send: ({ send, forOtherChain }) => send(forOtherChain),
    code: transactionRejected,
    data: ({ chainIds }) => ({ expected: chainIds.a, got: chainIds.b }),
  },
  {
    story: "a nonce that was already used",
    send: ({ send, reusedNonce }) => send(reusedNonce),
    code: transactionRejected,
    data: ({ sender }) => ({ from: sender, expected: 1, got: 0 }),
  },
  {
    story: "a sender without funds",
    send: ({ send, fromUnfunded }) => send(fromUnfunded),
    code: transactionRejected,
    data: ({ unfundedAddress }) => ({ from: unfundedAddress, balance: "0x0" }),
  },
  {
    story: "eth_sendTransaction from an account the devnet holds no key for",
    send: ({ url, unfundedAddress }) =>
      postRaw(url, request("eth_sendTransaction", [{ from: unfundedAddress, to: RECIPIENT, value: "0x1" }])),
    code: invalidParams,
  },
  {
    story: "a body over the size limit",
    send: ({ url }) => postRaw(url, request("eth_sendRawTransaction", [`0x${"00".repeat(MAX_BODY_BYTES / 2 + 1)}`])),
    httpStatus: 413,
    code: invalidRequest,
  },
];

describe("bad input on a rollup endpoint", function () {
  let devnet: Devnet;
  let a: DevnetChain;
  let b: DevnetChain;
  let unfunded: Hex;
  let context: Context;

  async function observe(): Promise<Observed> {
    const addresses = [accountAddress(devnet, 0), accountAddress(devnet, SENDER), privateKeyToAccount(unfunded).address];
    return {
      blocks: await Promise.all(devnet.rollups.map((rollup) => rollup.publicClient.getBlockNumber({ cacheTime: 0 }))),
      accounts: await Promise.all(
        addresses.map(async (address) => ({
          address,
          nonce: await a.publicClient.getTransactionCount({ address }),
          pendingNonce: await a.publicClient.getTransactionCount({ address, blockTag: "pending" }),
          balance: await a.publicClient.getBalance({ address }),
        })),
      ),
    };
  }

  before(async function () {
    devnet = await startTestDevnet({ rollups: 2 });
    [a, b] = devnet.rollups as [DevnetChain, DevnetChain];
    unfunded = generatePrivateKey();
    await a.provider.request({
      method: "eth_sendRawTransaction",
      params: [await signTransfer(devnet, a.chainId, SENDER, 0, RECIPIENT, 1n)],
    });
    const [forOtherChain, reusedNonce, fromUnfunded] = await Promise.all([
      signTransfer(devnet, b.chainId, SENDER, 1, RECIPIENT, 1n),
      signTransfer(devnet, a.chainId, SENDER, 0, RECIPIENT, 2n),
      signTransaction(unfunded, { chainId: a.chainId, nonce: 0, to: RECIPIENT, value: 1n }),
    ]);
    const url = a.rpcUrl!;
    context = {
      url,
      sender: accountAddress(devnet, SENDER),
      unfundedAddress: privateKeyToAccount(unfunded).address,
      send: (raw) => postRaw(url, request("eth_sendRawTransaction", [raw])),
      forOtherChain,
      reusedNonce,
      fromUnfunded,
      chainIds: { a: a.chainId, b: b.chainId },
    };
  });

  after(async function () {
    await devnet?.stop();
  });

  it("has the first transfer of the sender included, so that nonce 0 is used", async function () {
    expect(await a.publicClient.getTransactionCount({ address: accountAddress(devnet, SENDER) })).to.equal(1);
  });

  for (const { story, send, httpStatus = 200, code, data } of BAD_INPUTS) {
    it(`answers ${story} with ${httpStatus === 200 ? "" : `HTTP ${httpStatus} and `}error ${code}, and changes nothing`, async function () {
      const before = await observe();
      const { status, body } = await send(context);
      expect(status).to.equal(httpStatus);
      const { error, result } = body as JsonRpcResponse;
      expect(result).to.equal(undefined);
      expect(error?.code).to.equal(code);
      if (data !== undefined) expect(error?.data).to.include(data(context));
      expect(await observe()).to.deep.equal(before);
    });
  }

  it("answers xr_getTransactionStatus of a hash it never saw with null", async function () {
    const response = await rpc(a.rpcUrl!, "xr_getTransactionStatus", [keccak256(toHex("never sent"))]);
    expect(response.error).to.equal(undefined);
    expect(response.result).to.equal(null);
  });

  it("drops a transaction whose max fee is below the base fee, with a reason, and the sender keeps its funds", async function () {
    const sender = accountAddress(devnet, 2);
    const balance = await a.publicClient.getBalance({ address: sender });
    const raw = await signTransfer(devnet, a.chainId, 2, 0, RECIPIENT, 1n, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
    const response = await rpc(a.rpcUrl!, "eth_sendRawTransaction", [raw]);
    expect(response.error?.code).to.equal(JSON_RPC_ERROR_CODES.transactionRejected);
    const reason = (response.error?.data as { reason?: unknown } | undefined)?.reason;
    expect(reason).to.be.a("string").and.not.equal("");

    const status = await rpc(a.rpcUrl!, "xr_getTransactionStatus", [keccak256(raw)]);
    expect(status.result).to.deep.include({ status: "dropped", chainId: a.chainId, globalSeq: null, reason });
    expect(await a.publicClient.getTransactionCount({ address: sender })).to.equal(0);
    expect(await a.publicClient.getTransactionCount({ address: sender, blockTag: "pending" })).to.equal(0);
    expect(await a.publicClient.getBalance({ address: sender })).to.equal(balance);
    expect(await a.publicClient.getTransactionReceipt({ hash: keccak256(raw) }).catch(() => null)).to.equal(null);
  });
});
