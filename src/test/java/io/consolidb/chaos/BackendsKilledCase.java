package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.util.Map;

/**
 * {@code backends-killed}: every connection of the node terminated by {@code pg_terminate_backend}
 * ten times over 5 s, under reads (cache off, so each read reaches PostgreSQL) and keyed writes.
 * Reads must all succeed (through the node's retries), writes succeed or fail clearly, none twice.
 */
final class BackendsKilledCase implements ChaosCase {

  static final String TERMINATE = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
      + " WHERE usename = current_user AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
      + " AND datname = current_database()";

  @Override
  public String name() {
    return "backends-killed";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    String run = "killed" + System.currentTimeMillis();
    try (NodeProcess node = env.startNode(name(), Map.of("DB_CACHE_ENABLED", "false"))) {
      Http http = new Http(node.url(""));
      Readers readers = new Readers(http, 4, 2000, id -> "/api/v1/restaurants/" + id);
      KeyedWriters writers = new KeyedWriters(http, run, 4);
      Thread.sleep(2000);
      long killed = 0;
      for (int round = 0; round < 10; round++) {
        killed += env.count(TERMINATE);
        Thread.sleep(500);
      }
      Thread.sleep(2000);
      readers.close();
      writers.close();
      result.figure("backends_killed", killed).figure("reads", readers.ok.get() + readers.failed.get())
          .figure("reads_failed", readers.failed.get()).figure("read_statuses", readers.statuses())
          .figure("read_p99_ms", readers.latencies.percentile(99))
          .check(killed > 0, "no backend was terminated")
          .check(readers.failed.get() == 0, "reads failed")
          .check(writers.gaveUp.get() == 0, "some writes were never acknowledged");
      writers.verify(env, result);
    }
    return result;
  }
}
