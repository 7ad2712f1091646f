import type { Address } from "viem";

/** Where every rollup has its cross-domain messenger, as on the Superchain. */
export const MESSENGER_ADDRESS: Address = "0x4200000000000000000000000000000000000023";
