import type { Chain } from "../rollups/chain.ts";
import { requestBoundedLogs } from "../rollups/log-range.ts";
import type { JsonRpcHandler } from "../rollups/rpc-server.ts";
import type { SharedSequencer } from "../sequencer/sequencer.ts";

/**
 * The JSON-RPC methods of the L1 endpoint: the chain itself (with its cheat
 * methods, as `hardhat node` serves them) plus the sequencer's control
 * methods: fault injection and status.
 */
export function createL1Handler({ chain, sequencer }: { chain: Chain; sequencer: SharedSequencer }): JsonRpcHandler {
  return async ({ method, params }) => {
    switch (method) {
      case "xr_injectFault":
        return sequencer.injectFault(params[0]);
      case "xr_clearFault":
        return sequencer.clearFault(params[0]);
      case "xr_getSequencerStatus":
        return sequencer.status();
      case "eth_getLogs":
      case "eth_newFilter":
        return requestBoundedLogs(chain.provider, { method, params });
      default:
        return chain.provider.request({ method, params });
    }
  };
}
