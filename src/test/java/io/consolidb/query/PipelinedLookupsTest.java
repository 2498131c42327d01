package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("pipelined lookups")
class PipelinedLookupsTest {

  private static JsonObject lookup(String sql, long timeoutMs) {
    return new JsonObject().put("sql", sql).put("readOnly", true).put("lookup", true).put("timeoutMs", timeoutMs);
  }

  private static JsonObject pools(int pooled, int pipelined) {
    return new JsonObject().put("pool", new JsonObject().put("size", pooled).put("pipelined", pipelined));
  }

  @Test
  @DisplayName("many lookups in flight on one pipelined connection all answer, none touching the pool")
  void lookupsSharePipelinedConnections(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(pools(1, 1)));
    QueryClient client = QueryTestKit.client(vertx);

    List<Future<QueryResult>> lookups = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      lookups.add(client.lookup("test.lookup", "SELECT $1::int AS n", JsonArray.of(i)));
    }
    Future.all(lookups).await(10, TimeUnit.SECONDS);

    for (int i = 0; i < lookups.size(); i++) {
      assertThat(lookups.get(i).result().firstRow().getInteger("n")).isEqualTo(i);
    }
    assertThat(QueryTestKit.poolState(vertx).getInteger("size")).as("pooled connections opened").isZero();
  }

  @Test
  @DisplayName("a lookup that outlives its deadline answers 504 and does not hold up the lookups after it")
  void stuckLookupIsReplaced(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(pools(1, 1)));
    QueryClient client = QueryTestKit.client(vertx);
    client.lookup("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);

    long started = System.nanoTime();
    assertFailsWith(FailureCodes.TIMED_OUT, () -> client.query(lookup("SELECT pg_sleep(3)", 200)).await(30, TimeUnit.SECONDS));
    assertThat(elapsedMs(started)).isLessThan(1000);

    // on the same pipelined connection it would wait for the sleep to end; the connection was replaced
    long next = System.nanoTime();
    QueryResult after = client.query(lookup("SELECT 1 AS one", 2000)).await(30, TimeUnit.SECONDS);
    assertThat(after.firstRow().getInteger("one")).isEqualTo(1);
    assertThat(elapsedMs(next)).as("ms for the lookup after the stuck one").isLessThan(1000);
  }

  @Test
  @DisplayName("a lookup that misses its deadline while others still finish replaces nothing")
  void overloadReplacesNothing(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(pools(1, 1)));
    QueryClient client = QueryTestKit.client(vertx);
    client.lookup("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);

    // on the one pipelined connection: the first finishes after the second was sent, before its deadline
    Future<QueryResult> earlier = client.query(lookup("SELECT pg_sleep(0.15)", 2000));
    Future<QueryResult> late = client.query(lookup("SELECT pg_sleep(0.3)", 200));
    assertThat(earlier.await(30, TimeUnit.SECONDS).rows()).hasSize(1);
    assertFailsWith(FailureCodes.TIMED_OUT, late::await);

    // not replaced: the next lookup still queues behind the late one (~0.45 s after the start)
    long started = System.nanoTime();
    client.query(lookup("SELECT 1 AS one", 2000)).await(30, TimeUnit.SECONDS);
    assertThat(elapsedMs(started)).as("ms for a lookup behind a slow but live one").isGreaterThanOrEqualTo(150);
  }

  @Test
  @DisplayName("a long statement on the pool does not hold up a lookup")
  void poolWorkDoesNotBlockLookups(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(pools(1, 1)));
    QueryClient client = QueryTestKit.client(vertx);
    client.lookup("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);

    Future<QueryResult> report = client.read("test.report", "SELECT pg_sleep(1.5)", null);
    long started = System.nanoTime();
    client.query(lookup("SELECT 1 AS one", 2000)).await(30, TimeUnit.SECONDS);
    assertThat(elapsedMs(started)).as("ms for a lookup beside a running report").isLessThan(700);
    assertThat(report.await(30, TimeUnit.SECONDS).rows()).hasSize(1);
  }

  @Test
  @DisplayName("with DB_POOL_PIPELINED=0 lookups use the pool")
  void pipelinedOff(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(pools(1, 0)));
    QueryClient client = QueryTestKit.client(vertx);

    Future<QueryResult> report = client.read("test.report", "SELECT pg_sleep(0.6)", null);
    long started = System.nanoTime();
    assertThat(client.query(lookup("SELECT 1 AS one", 3000)).await(30, TimeUnit.SECONDS).firstRow().getInteger("one")).isEqualTo(1);
    assertThat(elapsedMs(started)).as("ms waiting behind the report for the pool's one connection")
        .isGreaterThanOrEqualTo(400);
    report.await(30, TimeUnit.SECONDS);
  }

  private static long elapsedMs(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}
