import type { Address, Hex } from "viem";
import { isHash } from "viem";
import { JSON_RPC_ERROR_CODES, XrollupError } from "../errors/base.ts";
import { parseBidRequest } from "../sequencer/auction.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";
import type { Chain } from "./chain.ts";
import { impersonationOn, isCheatMethod, parseCheat } from "./cheat-rpc.ts";
import type { DevSigner } from "./dev-signer.ts";
import { requestBoundedLogs } from "./log-range.ts";
import { callWithPreflight } from "./preflight.ts";
import type { JsonRpcHandler } from "./rpc-server.ts";

/**
 * Methods a rollup endpoint answers straight from its chain: they read state
 * or sign with a development key, and change nothing.
 */
export const CHAIN_READ_METHODS: ReadonlySet<string> = new Set([
  "eth_accounts",
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_coinbase",
  "eth_createAccessList",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getBlockReceipts",
  "eth_getBlockTransactionCountByHash",
  "eth_getBlockTransactionCountByNumber",
  "eth_getCode",
  "eth_getFilterChanges",
  "eth_getFilterLogs",
  "eth_getLogs",
  "eth_getProof",
  "eth_getStorageAt",
  "eth_getTransactionByBlockHashAndIndex",
  "eth_getTransactionByBlockNumberAndIndex",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getUncleByBlockHashAndIndex",
  "eth_getUncleByBlockNumberAndIndex",
  "eth_getUncleCountByBlockHash",
  "eth_getUncleCountByBlockNumber",
  "eth_maxPriorityFeePerGas",
  "eth_mining",
  "eth_newBlockFilter",
  "eth_newFilter",
  "eth_newPendingTransactionFilter",
  "eth_protocolVersion",
  "eth_sign",
  "eth_signTypedData_v4",
  "eth_syncing",
  "eth_uninstallFilter",
  "net_listening",
  "net_peerCount",
  "net_version",
  "personal_sign",
  "web3_clientVersion",
  "web3_sha3",
  "debug_traceCall",
  "debug_traceTransaction",
  "hardhat_metadata",
]);

/** Thrown for a method a rollup endpoint does not serve. `cheatsOff`: a cheat method, on a devnet started with `--no-cheats`. */
export class MethodNotFoundError extends XrollupError {
  override name = "MethodNotFoundError";
  constructor({ method, chainId, cheatsOff = false }: { method: string; chainId: number; cheatsOff?: boolean }) {
    const controlsChain = /^(evm_|hardhat_|anvil_|debug_setHead|miner_)/.test(method);
    super(
      cheatsOff
        ? `Method ${method} is not available on rollup ${chainId}: cheat methods are off (--no-cheats).`
        : controlsChain
        ? `Method ${method} is not available on rollup ${chainId}: its blocks are produced only by the shared sequencer.`
        : `Method ${method} does not exist on rollup ${chainId}.`,
      {
        details: cheatsOff
          ? ["Start the devnet without --no-cheats (library: cheats: true) to use them; they work on the L1 endpoint either way."]
          : controlsChain
            ? ["Chain-control methods work on the L1 endpoint; rollup state changes only through transactions."]
            : [],
        code: JSON_RPC_ERROR_CODES.methodNotFound,
      },
    );
  }
}

/** Thrown when a method's parameters are malformed. */
export class InvalidParamsError extends XrollupError {
  override name = "InvalidParamsError";
  constructor({ method, reason }: { method: string; reason: string }) {
    super(`Invalid params for ${method}: ${reason}.`, { code: JSON_RPC_ERROR_CODES.invalidParams });
  }
}

function hashParam(method: string, value: unknown): Hex {
  if (typeof value !== "string" || !isHash(value)) throw new InvalidParamsError({ method, reason: "expected a 32-byte hash" });
  return value.toLowerCase() as Hex;
}

/** What a rollup endpoint is wired to. */
export interface RollupHandlerParameters {
  chain: Chain;
  /** The sequencer now: a devnet revert replaces it, so each request reads it afresh. */
  sequencer: () => SharedSequencer;
  signer: DevSigner;
  /** Whether the cheat methods (`hardhat_setBalance`, `evm_mine`, …) are served (`--no-cheats` turns them off). */
  cheats: boolean;
}

/**
 * The JSON-RPC methods of one rollup: reads go to its chain, writes go
 * through the shared sequencer, and `xr_*` methods answer from the sequencer.
 */
export function createRollupHandler({ chain, sequencer: getSequencer, signer, cheats }: RollupHandlerParameters): JsonRpcHandler {
  const { chainId } = chain.spec;
  return async ({ method, params }) => {
    const sequencer = getSequencer();
    const pendingNonce = (address: Address) => sequencer.pendingNonce(chainId, address);
    switch (method) {
      case "eth_sendRawTransaction":
        return sequencer.submitRawTransaction(chainId, params[0]);
      case "eth_sendTransaction":
        return signer.signAndSubmit(
          chain,
          params[0],
          pendingNonce,
          (raw) => sequencer.submitRawTransaction(chainId, raw),
          cheats ? impersonationOn(sequencer, chainId) : undefined,
        );
      case "eth_getTransactionCount":
        if (params[1] === "pending" && typeof params[0] === "string") {
          return `0x${(await pendingNonce(params[0] as Address)).toString(16)}`;
        }
        return chain.provider.request({ method, params });
      case "xr_getTransactionStatus":
        return sequencer.transactionStatus(hashParam(method, params[0]));
      case "xr_sendBundle":
        return sequencer.submitBundle(params[0]);
      case "xr_getBundle":
        return sequencer.bundleStatus(hashParam(method, params[0]));
      case "xr_submitBid":
        return sequencer.submitBid(parseBidRequest(params[0]));
      case "xr_getBid":
        return sequencer.bidStatus(hashParam(method, params[0]));
      case "xr_sendEncryptedTransaction":
        return sequencer.submitEncrypted(params[0]);
      case "xr_getEncryptedTransactionStatus":
        return sequencer.encryptedStatus(hashParam(method, params[0]));
      case "xr_getCommitteeKey":
        return sequencer.committeeKey;
      case "xr_traceTransaction":
        return sequencer.traceTransaction(hashParam(method, params[0]));
      case "xr_simulate":
        return sequencer.simulate(params[0]);
      case "eth_call":
      case "eth_estimateGas":
        return callWithPreflight(chain, sequencer, method, params);
      case "eth_getLogs":
      case "eth_newFilter":
        return requestBoundedLogs(chain.provider, { method, params });
      default:
        if (isCheatMethod(method)) {
          if (!cheats) throw new MethodNotFoundError({ method, chainId, cheatsOff: true });
          const cheat = parseCheat(method, params);
          if (!cheat.ok) throw new InvalidParamsError({ method, reason: cheat.reason });
          return cheat.run(sequencer, chainId);
        }
        if (!CHAIN_READ_METHODS.has(method)) throw new MethodNotFoundError({ method, chainId });
        return chain.provider.request({ method, params });
    }
  };
}
