package io.consolidb.chaos;

/** One fault, injected into a node from the jar and the chaos services, with its bounds. */
interface ChaosCase {

  /** The name {@code scripts/chaos.sh} knows it by. */
  String name();

  CaseResult run(ChaosEnv env) throws Exception;
}
