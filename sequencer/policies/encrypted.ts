import { byArrival } from "./fcfs.ts";
import type { OrderingPolicy } from "./types.ts";

/**
 * The threshold-encrypted mempool's order. Users send ciphertexts; before
 * any key share is released the sequencer fixes their order (arrival order)
 * and commits to it, then decrypts and executes in exactly that order. The
 * decrypted transactions keep the ciphertexts' arrival times, so ordering
 * them by arrival is executing them in committed order. The encryption
 * itself happens before ordering, in the sequencer (see `sequencer.ts`).
 */
export const encryptedPolicy: OrderingPolicy = {
  name: "encrypted",
  order: (pending) => [...pending].sort(byArrival),
};
