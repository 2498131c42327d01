package io.consolidb.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * With {@code BACKUP_MAX_AGE_HOURS} set, the node reads the last good backup from
 * {@code backup_runs}: DEGRADED while none is recorded or it is too old, HEALTHY once a fresh one
 * is, and its age as {@code consolidb_backup_age_seconds}.
 */
class BackupAgeTest {

  private TestNode schema;
  private MeteredNode node;

  @BeforeEach
  void start() {
    schema = TestNode.create("backup_age");
    JsonObject health = new JsonObject().put("health", new JsonObject().put("intervalSeconds", 0.2)
        .put("backupMaxAgeHours", 1).put("slowResponseMs", 5000).put("eventLoopDelayMs", 5000));
    node = MeteredNode.start(schema, health, EnumSet.of(Component.QUERY, Component.HEALTH, Component.METRICS, Component.HTTP));
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
    schema.close();
  }

  private JsonObject awaitHealth(Predicate<JsonObject> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    JsonObject last;
    do {
      last = node.get("/health").bodyAsJsonObject();
      if (wanted.test(last)) {
        return last;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("no such report within 15 s; last: " + last.encodePrettily());
  }

  private static String reason(JsonObject report) {
    return report.getString("reason", "");
  }

  @Test
  @DisplayName("no backup recorded, then one 2 h old, degrade the node; a fresh one makes it healthy; the gauge follows")
  void backupAge() throws Exception {
    JsonObject none = awaitHealth(r -> reason(r).contains("backup: no good backup recorded"));
    assertThat(none.getString("status")).isEqualTo("DEGRADED");
    assertThat(none.getJsonObject("checks").getJsonObject("backup").getString("status")).isEqualTo("WARN");
    assertThat(node.scrape()).containsPattern("(?m)^consolidb_backup_age_seconds \\+Inf$");

    schema.execute("INSERT INTO backup_runs (label, stanza, backup_type, started_at, finished_at, size_bytes,"
        + " repository_size_bytes) VALUES ('20261205-010000F', 'consolidb', 'full', now() - interval '2 hours 1 minute',"
        + " now() - interval '2 hours', 1000, 100)");
    JsonObject old = awaitHealth(r -> reason(r).contains("20261205-010000F"));
    assertThat(old.getString("status")).isEqualTo("DEGRADED");
    assertThat(reason(old)).contains("backup: the last good backup (20261205-010000F) finished 2.0 h ago (threshold 1 h)");
    assertThat(MeteredNode.value(node.scrape(), "consolidb_backup_age_seconds")).isBetween(7_200.0, 7_300.0);

    schema.execute("INSERT INTO backup_runs (label, stanza, backup_type, started_at, finished_at, size_bytes,"
        + " repository_size_bytes) VALUES ('20261205-010000F_20261205-120000I', 'consolidb', 'incr',"
        + " now() - interval '2 minutes', now() - interval '1 minute', 1000, 10)");
    JsonObject fresh = awaitHealth(r -> "HEALTHY".equals(r.getString("status")));
    JsonObject check = fresh.getJsonObject("checks").getJsonObject("backup");
    assertThat(check.getString("status")).isEqualTo("UP");
    assertThat(check.getString("label")).isEqualTo("20261205-010000F_20261205-120000I");
    assertThat(check.getLong("age_seconds")).isBetween(60L, 600L);
    assertThat(MeteredNode.value(node.scrape(), "consolidb_backup_age_seconds")).isBetween(60.0, 600.0);
  }
}
