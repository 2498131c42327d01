package io.consolidb.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.IdempotencySettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The background purge of idempotency keys older than the retention, in bounded batches. */
@ExtendWith(VertxExtension.class)
class KeyPurgeTest {

  private static TestNode node;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("key_purge");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    node.execute("TRUNCATE idempotency_keys",
        // 25 keys stored two hours ago, 3 just now
        "INSERT INTO idempotency_keys (operation, idem_key, fingerprint, result, stored_at)"
            + " SELECT 'restaurants.create', 'old-' || i, 'f', '{}', now() - interval '2 hours'"
            + " FROM generate_series(1, 25) i",
        "INSERT INTO idempotency_keys (operation, idem_key, fingerprint, result)"
            + " SELECT 'restaurants.create', 'new-' || i, 'f', '{}' FROM generate_series(1, 3) i");
    TestNodes.deployAsync(vertx, node.config(TestNode.freePort(), ""), Component.QUERY)
        .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  @DisplayName("a round deletes keys past the retention, at most batch size × max batches; the next one the rest")
  void purge_boundedRounds(Vertx vertx) {
    KeyPurgeVerticle purge = new KeyPurgeVerticle(new QueryClient(vertx, 3000),
        new IdempotencySettings(1, 3600, 10, 2));
    assertThat(Await.result(purge.purge())).isEqualTo(20);
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys WHERE idem_key LIKE 'old-%'")).isEqualTo(5);
    assertThat(Await.result(purge.purge())).isEqualTo(5);
    assertThat(Await.result(purge.purge())).isZero();
    assertThat(node.queryLong("SELECT count(*) FROM idempotency_keys")).as("keys within the retention stay")
        .isEqualTo(3);
  }

  @Test
  @DisplayName("deployed, the purge runs by itself every interval")
  void purge_runsOnItsInterval(Vertx vertx) {
    Await.result(vertx.deployVerticle(new KeyPurgeVerticle(new QueryClient(vertx, 3000),
        new IdempotencySettings(1, 0.2, 1000, 10))));
    Await.until("the old keys are purged", 10_000,
        () -> node.queryLong("SELECT count(*) FROM idempotency_keys") == 3);
  }
}
