// The `xrollup` package's main entry: start a devnet in-process, verify it
// from L1, and the errors worth catching. Test helpers are in
// `xrollup/testing`, the Hardhat 3 plugin in `xrollup/hardhat`.
import path from "node:path";
import { PROJECT_ROOT } from "./contracts/artifacts.ts";

export type * from "./types.ts";

/**
 * Starts a devnet in this process: an L1, `rollups` rollups and the shared
 * sequencer, served over HTTP when `rpc` is set (`rpc: { port: 0 }` picks
 * free ports). Resolves once every chain is ready; `devnet.stop()` drains
 * the mempool, posts the last batch and closes everything.
 *
 * @example
 * ```ts
 * import { startDevnet } from "xrollup";
 *
 * const devnet = await startDevnet({ rollups: 2, rpc: { port: 0 } });
 * const [a] = devnet.rollups;
 * const hash = await a.walletClient.sendTransaction({ account: devnet.accounts[0].address, to: devnet.accounts[1].address, value: 1n });
 * console.log(devnet.sequencer.transactionStatus(hash)); // included, globalSeq 0
 * await devnet.stop();
 * ```
 *
 * @throws {InvalidDevnetConfigError} naming the first bad option.
 * @throws {PortInUseError} when a port is taken.
 */
export { startDevnet } from "./devnet/devnet.ts";

/**
 * Re-derives every rollup from L1 alone and checks each committed block
 * hash and state root (what `xrollup verify` runs). Returns `{ ok, … }`
 * with the first mismatch when there is one.
 *
 * @example
 * ```ts
 * import { startGenesisEngine, verifyFromL1 } from "xrollup";
 *
 * const result = await verifyFromL1({ l1: devnet.l1.provider, inbox: devnet.l1.contracts.SharedInbox!, startEngine: startGenesisEngine });
 * ```
 */
export { verifyFromL1 } from "./sequencer/derivation/verify.ts";

/** Starts fresh in-process rollups at their genesis, for {@link verifyFromL1} to replay the batches on. */
export { startGenesisEngine } from "./rollups/edr-engine.ts";

/** Where every rollup has its cross-rollup messenger (the Superchain's `L2ToL2CrossDomainMessenger` address). */
export { MESSENGER_ADDRESS } from "./contracts/addresses.ts";

/**
 * The Solidity interface of the messenger, `IL2ToL2CrossDomainMessenger`,
 * as a file path. Hardhat projects import it by package path instead:
 * `import {IL2ToL2CrossDomainMessenger} from "xrollup/contracts/rollup/interfaces/IL2ToL2CrossDomainMessenger.sol";`
 */
export const MESSENGER_INTERFACE_PATH: string = path.join(PROJECT_ROOT, "contracts", "rollup", "interfaces", "IL2ToL2CrossDomainMessenger.sol");

/** Base class of every error xrollup throws on purpose: `shortMessage`, `details`, `code` (its JSON-RPC code) and `data`. */
export { XrollupError } from "./errors/base.ts";
/** Thrown by {@link startDevnet} for an option out of range; the message names it. */
export { InvalidDevnetConfigError } from "./devnet/config.ts";
/** Thrown by {@link startDevnet} when a chain's port is taken. */
export { PortInUseError } from "./rollups/rpc-server.ts";
/** Thrown by {@link startDevnet} for a `dataDir` that cannot be used (made with other options, unreadable). */
export { DataDirError } from "./devnet/data-dir.ts";
/** Thrown when the package's compiled contracts are missing. */
export { ContractsNotCompiledError } from "./contracts/artifacts.ts";
/** Thrown to an in-process sender, in instant mode, when its accepted transaction was dropped; `data.reasonCode` says why. */
export { TransactionDroppedError } from "./sequencer/errors.ts";
/** Thrown by {@link verifyFromL1} when L1 holds no readable inbox at the address. */
export { InboxUnreadableError } from "./sequencer/derivation/verify.ts";
