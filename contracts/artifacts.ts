import { createRequire } from "node:module";
import { XrollupError } from "../errors/base.ts";
import type { SharedInbox$Type } from "../artifacts/contracts/l1/SharedInbox.sol/artifacts.js";

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

function load<T>(contract: string, file: string): T {
  try {
    return require(file) as T;
  } catch (cause) {
    throw new ContractsNotCompiledError({ contract, cause });
  }
}

/** The compiled L1 inbox (ABI typed `as const` by Hardhat's generated declarations). */
export function sharedInboxArtifact(): SharedInbox$Type {
  return load("SharedInbox", "../artifacts/contracts/l1/SharedInbox.sol/SharedInbox.json");
}
