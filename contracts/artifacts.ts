import { createRequire } from "node:module";
import type { ArtifactMap } from "hardhat/types/artifacts";
import { XrollupError } from "../errors/base.ts";

const require = createRequire(import.meta.url);

/** Thrown when the Solidity contracts have not been compiled yet. */
export class ContractsNotCompiledError extends XrollupError {
  override name = "ContractsNotCompiledError";
  constructor({ contract, cause }: { contract: string; cause: unknown }) {
    super(`The compiled artifact of ${contract} is missing.`, {
      details: ["Compile the contracts first: npm run build:contracts"],
      cause,
    });
  }
}

/** Where each contract the TypeScript side uses is compiled to, under artifacts/. */
const SOURCES = {
  SharedInbox: "contracts/l1/SharedInbox.sol",
  L2ToL2CrossDomainMessenger: "contracts/rollup/L2ToL2CrossDomainMessenger.sol",
  DemoToken: "contracts/demo/DemoToken.sol",
  BridgedToken: "contracts/demo/BridgedToken.sol",
  ConstantProductPool: "contracts/demo/ConstantProductPool.sol",
  Vault: "contracts/demo/Vault.sol",
  SwapAndDeposit: "contracts/demo/SwapAndDeposit.sol",
  MessageRelayChain: "contracts/test/MessageRelayChain.sol",
  Greeter: "contracts/examples/Greeter.sol",
} as const;

/** A contract the TypeScript side loads. */
export type ContractName = keyof typeof SOURCES & keyof ArtifactMap;

/**
 * The compiled artifact of a contract, its ABI typed `as const` by the
 * declarations Hardhat generates at build time.
 *
 * @throws {ContractsNotCompiledError} when `npm run build:contracts` has not run.
 */
export function artifact<N extends ContractName>(name: N): ArtifactMap[N] {
  try {
    return require(`../artifacts/${SOURCES[name]}/${name}.json`) as ArtifactMap[N];
  } catch (cause) {
    throw new ContractsNotCompiledError({ contract: name, cause });
  }
}

/** The compiled L1 inbox. */
export function sharedInboxArtifact(): ArtifactMap["SharedInbox"] {
  return artifact("SharedInbox");
}

/** Every custom error of every contract above, to decode revert data whatever contract reverted. */
export function allContractErrors() {
  return (Object.keys(SOURCES) as ContractName[]).flatMap((name) =>
    artifact(name).abi.filter((item) => item.type === "error"),
  );
}
