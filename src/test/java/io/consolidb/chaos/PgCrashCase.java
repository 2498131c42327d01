package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.util.Map;

/**
 * {@code pg-crash}: keyed writes (restaurants and analytics batches) under load, PostgreSQL stopped
 * with {@code -m immediate} (a crash: no checkpoint, connections cut) and started again 5 s later
 * while the clients retry with their keys. Every acknowledged write must be there, none twice, and
 * writes must be acknowledged again within 5 s of PostgreSQL accepting connections.
 */
final class PgCrashCase implements ChaosCase {

  @Override
  public String name() {
    return "pg-crash";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    String run = "crash" + System.currentTimeMillis();
    try (NodeProcess node = env.startNode(name(), Map.of())) {
      KeyedWriters writers = new KeyedWriters(new Http(node.url("")), run, 6);
      Thread.sleep(3000);
      env.pgStop("immediate");
      long stoppedAt = System.currentTimeMillis();
      Thread.sleep(5000);
      long startedAt = startAndAwaitConnections(env);
      Thread.sleep(8000);
      writers.close();
      long backAt = writers.firstAcknowledgedAfter(startedAt);
      double backSeconds = backAt < 0 ? -1 : (backAt - startedAt) / 1000.0;
      result.figure("down_s", (startedAt - stoppedAt) / 1000.0).figure("back_after_pg_s", backSeconds)
          .figure("gave_up", writers.gaveUp.get())
          .check(backAt >= 0 && backSeconds <= 5.0, "writes not acknowledged within 5 s of PostgreSQL's start")
          .check(writers.gaveUp.get() == 0, "some writes were never acknowledged within their retry window");
      writers.verify(env, result);
    }
    return result;
  }

  /** Starts PostgreSQL and returns when it first accepted a connection (epoch ms). */
  static long startAndAwaitConnections(ChaosEnv env) throws Exception {
    Thread starter = new Thread(() -> {
      try {
        env.pgStart();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "pg-start");
    starter.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try (var c = env.connect()) {
        long at = System.currentTimeMillis();
        starter.join(60_000);
        return at;
      } catch (java.sql.SQLException notYet) {
        Thread.sleep(25);
      }
    }
    throw new IllegalStateException("PostgreSQL did not accept connections within 60 s of its start");
  }
}
