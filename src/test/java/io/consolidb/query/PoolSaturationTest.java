package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("a saturated pool")
class PoolSaturationTest {

  @Test
  @DisplayName("answers 429 at once when its wait queue is full")
  void waitQueueFull(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject()
        .put("pool", new JsonObject().put("size", 1).put("maxWaitQueue", 0))));
    QueryClient client = QueryTestKit.client(vertx);
    Future<QueryResult> holder = client.read("hold", "SELECT pg_sleep(1)", null);
    awaitActive(vertx, 1);

    long started = System.nanoTime();
    assertFailsWith(FailureCodes.BUSY, () -> client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("busy");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(500);
    assertThat(holder.await(30, TimeUnit.SECONDS).rowCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("answers 429 when no connection frees up within the pool timeout")
  void acquireTimeout(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(new JsonObject()
        .put("pool", new JsonObject().put("size", 1).put("maxWaitQueue", 1).put("timeoutSeconds", 0.2))));
    QueryClient client = QueryTestKit.client(vertx);
    Future<QueryResult> holder = client.read("hold", "SELECT pg_sleep(1)", null);
    awaitActive(vertx, 1);

    assertFailsWith(FailureCodes.BUSY, () -> client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("200 ms");
    assertThat(holder.await(30, TimeUnit.SECONDS).rowCount()).isEqualTo(1);
    assertThat(QueryTestKit.poolState(vertx).getInteger("waiting")).isZero();
  }

  private static void awaitActive(Vertx vertx, int active) throws Exception {
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (QueryTestKit.poolState(vertx).getInteger("active") < active) {
      assertThat(System.nanoTime()).as("pool never became busy").isLessThan(deadline);
      vertx.timer(10).await(30, TimeUnit.SECONDS);
    }
  }
}
