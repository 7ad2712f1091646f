// `xrollup/testing`: a devnet per test suite, every chain reset between
// tests. `useDevnet` for mocha; `createDevnetFixture` for any other runner.

export type { DevnetFixture, DevnetHandle } from "./fixture.ts";
export { createDevnetFixture, DevnetNotStartedError, DevnetResetError } from "./fixture.ts";
export { MochaNotFoundError, useDevnet } from "./mocha.ts";
