package io.consolidb.health;

import io.consolidb.config.HealthSettings;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one round of check results into a level (the levels table in README "Health"). Pure:
 * the verticle keeps the state (consecutive failures) and passes it in.
 *
 * <p>Each check arrives as {@code {status: UP|DOWN, reason?, …data}}. The rules mark a check that
 * answered but crossed a threshold as {@code WARN}, so the report shows which check degraded the
 * node.
 */
final class LevelRules {

  static final String UP = "UP";
  static final String WARN = "WARN";
  static final String DOWN = "DOWN";

  private final HealthSettings settings;

  LevelRules(HealthSettings settings) {
    this.settings = settings;
  }

  /** The outcome of one round: the level, why (empty when HEALTHY), and the failures in a row. */
  record Assessment(HealthLevel level, List<String> reasons, int consecutiveFailures) {

    String reason() {
      return String.join("; ", reasons);
    }
  }

  /**
   * Evaluates {@code checks} (and marks WARN on them in place).
   *
   * @param previousFailures consecutive failed database checks before this round
   */
  Assessment evaluate(JsonObject checks, int previousFailures) {
    List<String> reasons = new ArrayList<>();
    JsonObject database = checks.getJsonObject(HealthProbes.DATABASE, new JsonObject());
    boolean databaseFailed = !UP.equals(database.getString("status"));
    int failures = databaseFailed ? previousFailures + 1 : 0;
    if (databaseFailed) {
      reasons.add("database: " + database.getString("reason", "the check failed")
          + " (" + failures + (failures == 1 ? " failure" : " consecutive failures") + ")");
    } else {
      long ms = database.getLong("response_time_ms", 0L);
      if (ms > settings.slowResponseMs()) {
        warn(database, reasons, "database: answered in " + ms + " ms (slow above " + settings.slowResponseMs() + " ms)");
      }
    }
    pool(checks.getJsonObject(HealthProbes.POOL), reasons);
    JsonObject redis = checks.getJsonObject(HealthProbes.REDIS);
    if (redis != null && DOWN.equals(redis.getString("status"))) {
      reasons.add("redis: " + redis.getString("reason", "the check failed") + " (serving from the local tier)");
    }
    eventLoop(checks.getJsonObject(HealthProbes.EVENT_LOOP), reasons);
    JsonObject cache = checks.getJsonObject(HealthProbes.CACHE);
    if (cache != null && DOWN.equals(cache.getString("status"))) {
      reasons.add("cache: " + cache.getString("reason", "the cache service did not answer"));
    }
    JsonObject listen = checks.getJsonObject(HealthProbes.LISTEN);
    if (listen != null && DOWN.equals(listen.getString("status"))) {
      reasons.add("listen: " + listen.getString("reason", "the LISTEN subscription is disconnected"));
    }
    cluster(checks.getJsonObject(HealthProbes.CLUSTER), reasons);
    backup(checks.getJsonObject(HealthProbes.BACKUP), reasons);

    HealthLevel level;
    if (databaseFailed) {
      level = failures >= settings.criticalAfterFailures() ? HealthLevel.CRITICAL : HealthLevel.UNHEALTHY;
    } else {
      level = reasons.isEmpty() ? HealthLevel.HEALTHY : HealthLevel.DEGRADED;
    }
    return new Assessment(level, List.copyOf(reasons), failures);
  }

  private void pool(JsonObject pool, List<String> reasons) {
    if (pool == null) {
      return;
    }
    if (DOWN.equals(pool.getString("status"))) {
      reasons.add("connection pool: " + pool.getString("reason", "its state is unknown"));
      return;
    }
    double utilization = pool.getDouble("utilization", 0.0);
    int waiting = pool.getInteger("waiting", 0);
    if (utilization >= settings.poolUtilizationPercent()) {
      warn(pool, reasons, "connection pool: " + format(utilization) + "% in use (threshold "
          + settings.poolUtilizationPercent() + "%)");
    }
    if (waiting > 0) {
      warn(pool, reasons, "connection pool: " + waiting + (waiting == 1 ? " request" : " requests")
          + " waiting for a connection");
    }
  }

  private void eventLoop(JsonObject eventLoop, List<String> reasons) {
    if (eventLoop == null) {
      return;
    }
    if (DOWN.equals(eventLoop.getString("status"))) {
      reasons.add("event loop: " + eventLoop.getString("reason", "it did not answer"));
      return;
    }
    long delay = eventLoop.getLong("delay_ms", 0L);
    if (delay > settings.eventLoopDelayMs()) {
      warn(eventLoop, reasons, "event loop: a timer fired " + delay + " ms late (threshold "
          + settings.eventLoopDelayMs() + " ms)");
    }
  }

  /**
   * Fewer members than expected ({@code expected_members}, 0 = no expectation): the node serves,
   * but the cluster is short of capacity, or split and this node is on the smaller side.
   */
  private static void cluster(JsonObject cluster, List<String> reasons) {
    if (cluster == null) {
      return;
    }
    if (DOWN.equals(cluster.getString("status"))) {
      reasons.add("cluster: " + cluster.getString("reason", "the membership is unknown"));
      return;
    }
    int members = cluster.getInteger("members", 0);
    int expected = cluster.getInteger("expected_members", 0);
    if (members < expected) {
      warn(cluster, reasons, "cluster: " + members + (members == 1 ? " member" : " members") + ", "
          + expected + " expected");
    }
  }

  /** The last good backup is too old, or none is recorded: the node serves, but a restore would lose more. */
  private void backup(JsonObject backup, List<String> reasons) {
    if (backup == null) {
      return;
    }
    if (DOWN.equals(backup.getString("status"))) {
      reasons.add("backup: " + backup.getString("reason", "the age of the last backup is unknown"));
      return;
    }
    Long age = backup.getLong("age_seconds");
    double maxHours = settings.backupMaxAgeHours();
    if (age == null) {
      warn(backup, reasons, "backup: no good backup recorded in backup_runs (consolidb backup --record)");
    } else if (age > maxHours * 3600) {
      warn(backup, reasons, "backup: the last good backup (" + backup.getString("label") + ") finished "
          + String.format(java.util.Locale.ROOT, "%.1f", age / 3600.0) + " h ago (threshold " + format(maxHours) + " h)");
    }
  }

  private static void warn(JsonObject check, List<String> reasons, String reason) {
    check.put("status", WARN);
    reasons.add(reason);
  }

  private static String format(double percent) {
    return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
  }
}
