// The public types of the `xrollup` package, in one place (Hardhat 3's
// layout: a package's surface in `types.ts`, everything else internal).
// Values are exported from `index.ts`.

export type { Devnet, DevnetChain, StartDevnetHooks } from "./devnet/devnet.ts";
export type { DevnetConfig, DevnetUserConfig, RpcConfig } from "./devnet/config.ts";
export type { Manifest, ManifestChain } from "./devnet/manifest.ts";
export type { DevAccount } from "./rollups/accounts.ts";
export type { DerivationMismatch, VerifyFromL1Parameters, VerifyResult } from "./sequencer/derivation/verify.ts";
export type { GenesisEngineFactory } from "./sequencer/ports.ts";
export type { DropReason, ReasonCode } from "./sequencer/reasons.ts";
export type { AuctionOutcome, Bid, OrderingPolicy, SlotContext } from "./sequencer/policies/types.ts";
export type { SequencedTransaction } from "./sequencer/types.ts";
export type { PolicyResult, PolicyTrace, ScenarioResult, TraceTransaction } from "./sim/report/types.ts";
