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

  @Test
  void evaluate_redisDownAndDatabaseDown_databaseDecides() {
    JsonObject checks = checks().put(HealthProbes.DATABASE, down("x")).put(HealthProbes.REDIS, down("y"));
    LevelRules.Assessment result = rules.evaluate(checks, 0);
    assertThat(result.level()).isEqualTo(HealthLevel.UNHEALTHY);
    assertThat(result.reasons()).hasSize(2);
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
}
