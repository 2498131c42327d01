package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * {@code lock}: another client holds a row lock on one restaurant and an exclusive lock on the
 * analytics events (which makes every report a slow statement). The update of that restaurant and
 * the report answer 504 within the query timeout (+1 s), their statements are cancelled in
 * PostgreSQL, and lookups of other restaurants keep answering meanwhile. Once the locks go, the
 * update succeeds.
 */
final class LockCase implements ChaosCase {

  private static final long LOCKED_ID = 7;

  @Override
  public String name() {
    return "lock";
  }

  @Override
  public CaseResult run(ChaosEnv env) throws Exception {
    CaseResult result = new CaseResult(name());
    try (NodeProcess node = env.startNode(name(), Map.of("DB_CACHE_ENABLED", "false"));
        Connection rowLock = env.connect(); Connection tableLock = env.connect()) {
      Http http = new Http(node.url(""));
      rowLock.setAutoCommit(false);
      rowLock.createStatement().execute("SELECT id FROM restaurants WHERE id = " + LOCKED_ID + " FOR UPDATE");
      tableLock.setAutoCommit(false);
      tableLock.createStatement().execute("LOCK TABLE analytics_events IN ACCESS EXCLUSIVE MODE");

      Readers readers = new Readers(http, 2, 2000, id -> "/api/v1/restaurants/" + (id == LOCKED_ID ? 8 : id));
      Latencies blocked = new Latencies();
      int answered504 = 0;
      for (int round = 0; round < 3; round++) {
        Http.Answer update = http.write("PATCH", "/api/v1/restaurants/" + LOCKED_ID, "{\"rating\":4.5}", Map.of(),
            Duration.ofSeconds(10));
        String from = Instant.now().minus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.DAYS).toString();
        Http.Answer report = http.get("/api/v1/analytics/events/counts?from=" + from + "&type=round" + round,
            Duration.ofSeconds(10));
        blocked.add(update.millis());
        blocked.add(report.millis());
        answered504 += (update.status() == 504 ? 1 : 0) + (report.status() == 504 ? 1 : 0);
      }
      Thread.sleep(1500); // the cancel grace: statements still waiting on the locks now are leaks
      long stillWaiting = env.count("SELECT count(*) FROM pg_stat_activity WHERE usename = current_user"
          + " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
      readers.close();
      rowLock.rollback();
      tableLock.rollback();
      Http.Answer after = http.write("PATCH", "/api/v1/restaurants/" + LOCKED_ID, "{\"rating\":4.5}", Map.of(),
          Duration.ofSeconds(10));
      long bound = ChaosEnv.QUERY_TIMEOUT_MS + 1000;
      result.figure("answered_504", answered504 + "/6").figure("blocked_max_ms", blocked.max())
          .figure("other_reads", readers.ok.get() + readers.failed.get()).figure("other_reads_failed", readers.failed.get())
          .figure("other_read_p99_ms", readers.latencies.percentile(99)).figure("statements_left_waiting", stillWaiting)
          .figure("update_after_release", after.status())
          .check(answered504 == 6, "the locked update and the report did not all answer 504")
          .check(blocked.max() <= bound, "a blocked request took longer than the query timeout + 1 s")
          .check(readers.failed.get() == 0, "other reads failed")
          .check(readers.latencies.percentile(99) <= 500, "other reads slowed down (p99 > 500 ms)")
          .check(stillWaiting == 0, "statements kept waiting in PostgreSQL after their 504")
          .check(after.ok(), "the update failed once the locks were released");
    }
    return result;
  }
}
