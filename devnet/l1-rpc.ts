import { requestBoundedLogs } from "../rollups/log-range.ts";
import type { JsonRpcHandler } from "../rollups/rpc-server.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";
import type { RequestProvider } from "./l1-log.ts";

/**
 * The JSON-RPC methods of the L1 endpoint: the chain itself (with its cheat
 * methods, as `hardhat node` serves them) plus the sequencer's control
 * methods: fault injection and status.
 */
export function createL1Handler({ l1, sequencer: getSequencer }: { l1: RequestProvider; sequencer: () => SharedSequencer }): JsonRpcHandler {
  return async ({ method, params }) => {
    // The sequencer now: a devnet revert replaces it.
    const sequencer = getSequencer();
    switch (method) {
      case "xr_injectFault":
        return sequencer.injectFault(params[0]);
      case "xr_clearFault":
        return sequencer.clearFault(params[0]);
      case "xr_getSequencerStatus":
        return sequencer.status();
      case "eth_getLogs":
      case "eth_newFilter":
        return requestBoundedLogs(l1, { method, params });
      default:
        return l1.request({ method, params });
    }
  };
}
