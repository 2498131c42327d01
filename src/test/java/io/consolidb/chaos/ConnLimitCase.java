package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * {@code conn-limit}: another client takes every connection PostgreSQL allows (max_connections)
 * after the node's own were closed, so the node cannot get one. Requests that need the database
 * must fail fast and clearly (503), and the node must serve again within 5 s of the slots coming
 * back, without a restart.
 */
final class ConnLimitCase implements ChaosCase {

  private static final String TOO_MANY = "53300";

  @Override
  public String name() {
    return "conn-limit";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    List<Connection> taken = Collections.synchronizedList(new ArrayList<>());
    try (NodeProcess node = env.startNode(name(), Map.of("DB_CACHE_ENABLED", "false"))) {
      Http http = new Http(node.url(""));
      for (int id = 1; id <= 20; id++) {
        http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(5));
      }
      env.count(BackendsKilledCase.TERMINATE);
      fill(env, taken);
      Latencies refused = new Latencies();
      int served = 0;
      int unclear = 0;
      for (int id = 100; id < 130; id++) {
        Http.Answer answer = http.get("/api/v1/restaurants/" + id, Duration.ofSeconds(10));
        if (answer.ok()) {
          served++;
        } else {
          refused.add(answer.millis());
          unclear += answer.status() == 503 && answer.clearFailure() ? 0 : 1;
        }
      }
      int full = taken.size();
      long released = System.currentTimeMillis();
      closeAll(taken);
      long back = -1;
      while (System.currentTimeMillis() - released < 15_000 && back < 0) {
        if (http.get("/api/v1/restaurants/" + (200 + (System.nanoTime() % 100)), Duration.ofSeconds(5)).ok()) {
          back = System.currentTimeMillis() - released;
        } else {
          Thread.sleep(100);
        }
      }
      result.figure("connections_taken", full).figure("refused", refused.count())
          .figure("served_while_full", served).figure("refused_p99_ms", refused.percentile(99))
          .figure("recovered_ms", back)
          .check(refused.count() > 0, "no request was refused: the connections were not exhausted")
          .check(unclear == 0, unclear + " refusals were not a 503 problem")
          .check(refused.percentile(99) <= 1000, "refusals were not fast (p99 > 1 s)")
          .check(back >= 0 && back <= 5000, "the node did not serve again within 5 s of the slots coming back");
    } finally {
      closeAll(taken);
    }
    return result;
  }

  /** Opens connections from several threads until PostgreSQL refuses with 53300 (too many clients). */
  private static void fill(ChaosEnv env, List<Connection> taken) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      Thread thread = new Thread(() -> {
        int refusals = 0;
        while (refusals < 3 && taken.size() < 2000) {
          try {
            taken.add(env.connect());
            refusals = 0;
          } catch (SQLException e) {
            if (!TOO_MANY.equals(e.getSQLState())) {
              throw new IllegalStateException("unexpected refusal: " + e.getSQLState(), e);
            }
            refusals++;
            try {
              Thread.sleep(20);
            } catch (InterruptedException interrupted) {
              return;
            }
          }
        }
      });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(60_000);
    }
  }

  private static void closeAll(List<Connection> taken) {
    synchronized (taken) {
      for (Connection c : taken) {
        try {
          c.close();
        } catch (SQLException ignored) {
          // closing is best effort: the case ends either way
        }
      }
      taken.clear();
    }
  }
}
