import { expect } from "chai";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { DEV_ACCOUNT_COUNT, DEV_MNEMONIC, defaultSequencerAccount, devAccounts, SEQUENCER_ACCOUNT_INDEX } from "../../rollups/accounts.ts";

describe("development accounts", function () {
  const viemAccount = (addressIndex: number) => {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex });
    return { address: account.address, privateKey: bytesToHex(account.getHdKey().privateKey!) };
  };

  it("are the mnemonic's BIP-44 accounts, as viem derives them, and so is the sequencer's", function () {
    expect(devAccounts()).to.deep.equal(Array.from({ length: DEV_ACCOUNT_COUNT }, (_, index) => viemAccount(index)));
    expect(defaultSequencerAccount()).to.deep.equal(viemAccount(SEQUENCER_ACCOUNT_INDEX));
  });

  it("start with Hardhat's and anvil's well-known first account", function () {
    expect(devAccounts()[0]?.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  });
});
