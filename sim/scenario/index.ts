/**
 * Scenario files: the declarative description of a lab run, and their
 * validation into a resolved {@link Scenario}.
 */
export {
  loadScenario,
  MAX_ROLLUPS,
  parseScenario,

  rollupChainIds,
  SCENARIO_DEFAULTS,
  SEARCHER_STRATEGIES,
  ScenarioError,
  TRADE_SIZE_DISTRIBUTIONS,
} from "./schema.ts";
export type {
  ScenarioPolicy,
  Scenario,
  ScenarioCommittee,
  ScenarioConfiguration,
  ScenarioFault,
  ScenarioPool,
  ScenarioSearcher,
  ScenarioUsers,
  ScenarioVictim,
  SearcherRole,
  SearcherStrategy,
  TradeSize,
} from "./schema.ts";
