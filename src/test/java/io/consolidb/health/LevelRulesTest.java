package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.HealthSettings;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class LevelRulesTest {

  private final LevelRules rules = new LevelRules(new HealthSettings(1, 500, 80, 3, 1000, 1000, 1000, 200, 10, "", 1000));

  private static JsonObject up() {
    return new JsonObject().put("status", "UP");
  }

  private static JsonObject down(String reason) {
    return new JsonObject().put("status", "DOWN").put("reason", reason);
  }

  private static JsonObject checks() {
    return new JsonObject()
        .put(HealthProbes.DATABASE, up().put("response_time_ms", 3))
        .put(HealthProbes.POOL, up().put("active", 1).put("waiting", 0).put("max_size", 4).put("utilization", 25.0))
        .put(HealthProbes.REDIS, up().put("response_time_ms", 1))
        .put(HealthProbes.EVENT_LOOP, up().put("delay_ms", 1));
  }

  @Test
  void evaluate_allUp_healthy() {
    LevelRules.Assessment result = rules.evaluate(checks(), 0);
    assertThat(result.level()).isEqualTo(HealthLevel.HEALTHY);
    assertThat(result.reasons()).isEmpty();
    assertThat(result.consecutiveFailures()).isZero();
  }

  @Test
  void evaluate_databaseDown_unhealthyUntilNFailuresThenCritical() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, down("the database is unavailable"));
    assertThat(rules.evaluate(checks.copy(), 0).level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(rules.evaluate(checks.copy(), 1).level()).isEqualTo(HealthLevel.UNHEALTHY);
    LevelRules.Assessment third = rules.evaluate(checks.copy(), 2);
    assertThat(third.level()).isEqualTo(HealthLevel.CRITICAL);
    assertThat(third.consecutiveFailures()).isEqualTo(3);
    assertThat(third.reason()).isEqualTo("database: the database is unavailable (3 consecutive failures)");
  }

  @Test
  void evaluate_databaseBack_resetsFailures() {
    assertThat(rules.evaluate(checks(), 7).consecutiveFailures()).isZero();
  }

  @Test
  void evaluate_slowDatabase_degraded() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, up().put("response_time_ms", 501));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).contains("answered in 501 ms");
    assertThat(checks.getJsonObject(HealthProbes.DATABASE).getString("status")).isEqualTo("WARN");
  }

  @Test
  void evaluate_poolAtThresholdOrWaiters_degraded() {
    JsonObject atThreshold = checks();
    atThreshold.getJsonObject(HealthProbes.POOL).put("utilization", 80.0);
    assertThat(rules.evaluate(atThreshold, 0).reason()).isEqualTo("connection pool: 80% in use (threshold 80%)");
    JsonObject waiting = checks();
    waiting.getJsonObject(HealthProbes.POOL).put("waiting", 2);
    assertThat(rules.evaluate(waiting, 0).level()).isEqualTo(HealthLevel.DEGRADED);
    JsonObject below = checks();
    below.getJsonObject(HealthProbes.POOL).put("utilization", 79.9);
    assertThat(rules.evaluate(below, 0).level()).isEqualTo(HealthLevel.HEALTHY);
  }

  @Test
  void evaluate_redisDown_degraded() {
    LevelRules.Assessment result = rules.evaluate(checks().put(HealthProbes.REDIS, down("Redis is unreachable")), 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).isEqualTo("redis: Redis is unreachable (serving from the local tier)");
  }

  @Test
  void evaluate_lateEventLoop_degraded() {
    JsonObject checks = checks().put(HealthProbes.EVENT_LOOP, up().put("delay_ms", 250));
    assertThat(rules.evaluate(checks, 0).level()).isEqualTo(HealthLevel.DEGRADED);
  }

  @Test
  void evaluate_listenDisconnected_degraded() {
    JsonObject checks = checks().put(HealthProbes.LISTEN, down("the LISTEN subscription is disconnected"));
    assertThat(rules.evaluate(checks, 0).level()).isEqualTo(HealthLevel.DEGRADED);
  }

  private static JsonObject cluster(int members, int expected) {
    return up().put("members", members).put("expected_members", expected);
  }

  @Test
  void evaluate_fewerMembersThanExpected_degraded() {
    JsonObject checks = checks().put(HealthProbes.CLUSTER, cluster(2, 3));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).isEqualTo("cluster: 2 members, 3 expected");
    assertThat(checks.getJsonObject(HealthProbes.CLUSTER).getString("status")).isEqualTo("WARN");
    assertThat(rules.evaluate(checks().put(HealthProbes.CLUSTER, cluster(1, 2)), 0).reason())
        .isEqualTo("cluster: 1 member, 2 expected");
  }

  @Test
  void evaluate_expectedMembersMetOrExceededOrUnset_healthy() {
    for (JsonObject cluster : new JsonObject[] {cluster(3, 3), cluster(4, 3), cluster(1, 0), up()}) {
      JsonObject checks = checks().put(HealthProbes.CLUSTER, cluster);
      assertThat(rules.evaluate(checks, 0).level()).as("%s", cluster).isEqualTo(HealthLevel.HEALTHY);
      assertThat(checks.getJsonObject(HealthProbes.CLUSTER).getString("status")).isEqualTo("UP");
    }
  }

  @Test
  void evaluate_membershipUnknown_degradedWithItsReason() {
    LevelRules.Assessment result = rules.evaluate(checks().put(HealthProbes.CLUSTER,
        down("the membership is not known yet")), 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).isEqualTo("cluster: the membership is not known yet");
    assertThat(rules.evaluate(checks().put(HealthProbes.CLUSTER, new JsonObject().put("status", "DOWN")), 0)
        .reason()).isEqualTo("cluster: the membership is unknown");
  }

  @Test
  void evaluate_databaseDownInAShortCluster_databaseDecidesBothReasonsKept() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, down("x")).put(HealthProbes.CLUSTER, cluster(1, 3));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(result.reasons()).containsExactly("database: x (1 failure)", "cluster: 1 member, 3 expected");
  }

  @Test
  void evaluate_redisDownAndDatabaseDown_databaseDecides() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, down("x")).put(HealthProbes.REDIS, down("y"));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(result.reasons()).hasSize(2);
  }

  @Test
  void evaluate_firstDatabaseFailure_singularAndDefaultReason() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, new JsonObject().put("status", "DOWN"));
    assertThat(rules.evaluate(checks, 0).reason()).isEqualTo("database: the check failed (1 failure)");
    JsonObject missing = checks();
    missing.remove(HealthProbes.DATABASE);
    assertThat(rules.evaluate(missing, 0).level()).isEqualTo(HealthLevel.UNHEALTHY);
  }

  @Test
  void evaluate_thresholdsAreExclusiveForTimesAndInclusiveForThePool() {
    JsonObject atSlow = checks().put(HealthProbes.DATABASE, up().put("response_time_ms", 500));
    assertThat(rules.evaluate(atSlow, 0).level()).isEqualTo(HealthLevel.HEALTHY);
    JsonObject atDelay = checks().put(HealthProbes.EVENT_LOOP, up().put("delay_ms", 200));
    assertThat(rules.evaluate(atDelay, 0).level()).isEqualTo(HealthLevel.HEALTHY);
    JsonObject late = checks().put(HealthProbes.EVENT_LOOP, up().put("delay_ms", 201));
    assertThat(rules.evaluate(late, 0).reason()).isEqualTo("event loop: a timer fired 201 ms late (threshold 200 ms)");
    assertThat(late.getJsonObject(HealthProbes.EVENT_LOOP).getString("status")).isEqualTo("WARN");
  }

  @Test
  void evaluate_poolReasons_exactTexts() {
    JsonObject fraction = checks();
    fraction.getJsonObject(HealthProbes.POOL).put("utilization", 87.5);
    assertThat(rules.evaluate(fraction, 0).reason()).isEqualTo("connection pool: 87.5% in use (threshold 80%)");
    assertThat(fraction.getJsonObject(HealthProbes.POOL).getString("status")).isEqualTo("WARN");
    JsonObject one = checks();
    one.getJsonObject(HealthProbes.POOL).put("waiting", 1);
    assertThat(rules.evaluate(one, 0).reason()).isEqualTo("connection pool: 1 request waiting for a connection");
    JsonObject two = checks();
    two.getJsonObject(HealthProbes.POOL).put("waiting", 2);
    assertThat(rules.evaluate(two, 0).reason()).isEqualTo("connection pool: 2 requests waiting for a connection");
    JsonObject down = checks().put(HealthProbes.POOL, new JsonObject().put("status", "DOWN").put("utilization", 99.0));
    LevelRules.Assessment unknown = rules.evaluate(down, 0);
    assertThat(unknown.reason()).isEqualTo("connection pool: its state is unknown");
    assertThat(unknown.level()).isEqualTo(HealthLevel.DEGRADED);
  }

  @Test
  void evaluate_downChecksWithoutReason_defaultTexts() {
    JsonObject checks = checks()
        .put(HealthProbes.REDIS, new JsonObject().put("status", "DOWN"))
        .put(HealthProbes.EVENT_LOOP, new JsonObject().put("status", "DOWN").put("delay_ms", 5000))
        .put(HealthProbes.CACHE, new JsonObject().put("status", "DOWN"))
        .put(HealthProbes.LISTEN, new JsonObject().put("status", "DOWN"));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reasons()).containsExactly(
        "redis: the check failed (serving from the local tier)",
        "event loop: it did not answer",
        "cache: the cache service did not answer",
        "listen: the LISTEN subscription is disconnected");
  }

  @Test
  void evaluate_upOptionalChecks_stayHealthy() {
    JsonObject checks = checks().put(HealthProbes.CACHE, up()).put(HealthProbes.LISTEN, up());
    checks.remove(HealthProbes.POOL);
    checks.remove(HealthProbes.EVENT_LOOP);
    checks.remove(HealthProbes.REDIS);
    assertThat(rules.evaluate(checks, 0).level()).isEqualTo(HealthLevel.HEALTHY);
  }

  @Test
  void worseThan_ordersLevels() {
    assertThat(HealthLevel.UNHEALTHY.worseThan(HealthLevel.DEGRADED)).isTrue();
    assertThat(HealthLevel.UNHEALTHY.worseThan(HealthLevel.CRITICAL)).isFalse();
    assertThat(HealthLevel.HEALTHY.worseThan(null)).isFalse();
    assertThat(HealthLevel.DEGRADED.worseThan(null)).isTrue();
  }

  @Test
  void history_keepsTheNewestWithinItsSize() {
    HealthHistory history = new HealthHistory(3);
    for (int i = 0; i < 5; i++) {
      history.addRound(new JsonObject().put("n", i));
    }
    history.addTransition(new JsonObject().put("t", 1));
    JsonObject json = history.toJson(2);
    assertThat(json.getJsonArray("checks").stream().map(o -> ((JsonObject) o).getInteger("n"))).containsExactly(4, 3);
    assertThat(history.toJson(10).getJsonArray("checks")).hasSize(3);
    assertThat(json.getJsonArray("transitions")).hasSize(1);
  }

  private final LevelRules withBackups = new LevelRules(
      new HealthSettings(1, 500, 80, 3, 1000, 1000, 1000, 200, 10, "", 1000, 24));

  @Test
  void evaluate_backupWithinMaxAge_healthy() {
    JsonObject checks = checks().put(HealthProbes.BACKUP, up().put("label", "20261205-010000F").put("age_seconds", 86_399));
    assertThat(withBackups.evaluate(checks, 0).level()).isEqualTo(HealthLevel.HEALTHY);
  }

  @Test
  void evaluate_backupOlderThanMaxAge_degraded() {
    JsonObject checks = checks().put(HealthProbes.BACKUP, up().put("label", "20261205-010000F").put("age_seconds", 93_600));
    LevelRules.Assessment result = withBackups.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).isEqualTo("backup: the last good backup (20261205-010000F) finished 26.0 h ago (threshold 24 h)");
    assertThat(checks.getJsonObject(HealthProbes.BACKUP).getString("status")).isEqualTo("WARN");
  }

  @Test
  void evaluate_noBackupRecorded_degraded() {
    LevelRules.Assessment result = withBackups.evaluate(checks().put(HealthProbes.BACKUP, up()), 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).isEqualTo("backup: no good backup recorded in backup_runs (consolidb backup --record)");
  }

  @Test
  void evaluate_backupAgeUnknown_degradedNotUnhealthy() {
    LevelRules.Assessment result = withBackups.evaluate(
        checks().put(HealthProbes.BACKUP, down("the age of the last backup is unknown: the database is unavailable")), 0);
    assertThat(result.level()).isEqualTo(HealthLevel.DEGRADED);
    assertThat(result.reason()).startsWith("backup: the age of the last backup is unknown");
  }
}
