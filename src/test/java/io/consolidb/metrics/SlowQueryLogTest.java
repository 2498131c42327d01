package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SlowQueryLogTest {

  private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void add_sameStatement_keepsOneEntryWithItsSlowestDuration() {
    SlowQueryLog log = new SlowQueryLog(5, 60_000);
    log.add("SELECT ?", "a", 700, NOW, "SELECT 1");
    log.add("SELECT ?", "a", 600, NOW.plusSeconds(1), "SELECT 1");
    assertThat(log.slowest(10, NOW.plusSeconds(2))).singleElement().satisfies(e -> {
      assertThat(e.maxDurationMs()).isEqualTo(700);
      assertThat(e.lastDurationMs()).isEqualTo(600);
      assertThat(e.count()).isEqualTo(2);
      assertThat(e.at()).isEqualTo(NOW.plusSeconds(1));
    });
  }

  @Test
  void add_beyondCapacity_keepsTheSlowest() {
    SlowQueryLog log = new SlowQueryLog(3, 60_000);
    for (int i = 1; i <= 10; i++) {
      log.add("SELECT " + i, "op", i * 100L, NOW, null);
    }
    assertThat(log.slowest(10, NOW)).extracting(SlowQueryLog.Entry::maxDurationMs).containsExactly(1000L, 900L, 800L);
  }

  @Test
  void slowest_dropsEntriesOlderThanTheMaxAge() {
    SlowQueryLog log = new SlowQueryLog(3, 60_000);
    log.add("SELECT 1", "op", 900, NOW, null);
    log.add("SELECT 2", "op", 600, NOW.plusSeconds(50), null);
    assertThat(log.slowest(10, NOW.plusSeconds(70))).extracting(SlowQueryLog.Entry::normalizedSql)
        .containsExactly("SELECT 2");
  }

  @Test
  void add_keepsTextForExplainOnlyForPlainSelects() {
    SlowQueryLog log = new SlowQueryLog(5, 60_000);
    log.add("SELECT * FROM t WHERE id = $1", "r", 600, NOW, "SELECT * FROM t WHERE id = $1");
    log.add("UPDATE t SET a = ? WHERE id = $1", "w", 600, NOW, "UPDATE t SET a = 1 WHERE id = $1");
    assertThat(log.slowest(10, NOW)).allSatisfy(e ->
        assertThat(e.explainable()).as(e.normalizedSql()).isEqualTo(e.operation().equals("r")));
    assertThat(log.toJson(10, NOW).encode()).doesNotContain("a = 1");
  }

  @Test
  void isPlainSelect_refusesWritesLocksAndSeveralStatements() {
    assertThat(SlowQueryLog.isPlainSelect("SELECT id FROM restaurants WHERE city = $1")).isTrue();
    assertThat(SlowQueryLog.isPlainSelect("select r.* from restaurants r")).isTrue();
    assertThat(SlowQueryLog.isPlainSelect("SELECT * FROM t FOR UPDATE")).isFalse();
    assertThat(SlowQueryLog.isPlainSelect("SELECT * INTO copy FROM t")).isFalse();
    assertThat(SlowQueryLog.isPlainSelect("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")).isFalse();
    assertThat(SlowQueryLog.isPlainSelect("SELECT 1; DELETE FROM t")).isFalse();
    assertThat(SlowQueryLog.isPlainSelect("INSERT INTO t SELECT 1")).isFalse();
    assertThat(SlowQueryLog.isPlainSelect("SELECT delete_everything()")).isTrue();
  }

  @Test
  void nullArguments_oneNullPerPlaceholder() {
    assertThat(PlanAdvisor.nullArguments("SELECT 1")).isEmpty();
    assertThat(PlanAdvisor.nullArguments("SELECT * FROM t WHERE a = $1 AND b = $3 OR c = $1"))
        .isEqualTo("(NULL, NULL, NULL)");
  }
}
