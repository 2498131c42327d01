package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.FailureCodes;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("query timeouts")
class QueryTimeoutTest {

  @Test
  @DisplayName("ten timed-out queries on a pool of two all fail with 504, are cancelled on the server"
      + " and leave both connections free")
  void timeoutsFreeTheirConnections(Vertx vertx) throws Exception {
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(2)));
    QueryClient client = QueryTestKit.client(vertx);
    String marker = "timeout-" + UUID.randomUUID();
    // open both connections first, so the sleepers really run (and are cancelled) rather than time out queued
    Future.all(client.read("warm", "SELECT pg_sleep(0.05)", null), client.read("warm", "SELECT pg_sleep(0.05)", null))
        .await(30, TimeUnit.SECONDS);
    assertThat(QueryTestKit.poolState(vertx).getInteger("size")).isEqualTo(2);

    List<Future<QueryResult>> sleepers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sleepers.add(client.query(new JsonObject().put("sql", "SELECT pg_sleep(5) /* " + marker + " */")
          .put("timeoutMs", 200).put("readOnly", true)));
    }
    Future.join(sleepers).otherwiseEmpty().await(30, TimeUnit.SECONDS);

    for (Future<QueryResult> sleeper : sleepers) {
      assertThat(sleeper.failed()).isTrue();
      assertThat(sleeper.cause()).isInstanceOf(ServiceException.class);
      assertThat(((ServiceException) sleeper.cause()).failureCode()).isEqualTo(FailureCodes.TIMED_OUT);
    }

    long started = System.nanoTime();
    Future.all(client.read("after", "SELECT pg_sleep(0.2)", null), client.read("after", "SELECT pg_sleep(0.2)", null))
        .await(30, TimeUnit.SECONDS);
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(elapsedMs).as("two queries on a pool of two run side by side").isLessThan(1000);

    assertThat(QueryTestKit.admin(vertx, "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active'"
        + " AND query LIKE '%" + marker + "%' AND pid <> pg_backend_pid()").getLong("n"))
        .as("statements still running on the server").isZero();
    assertThat(QueryTestKit.poolState(vertx).getInteger("active")).isZero();
  }

  @Test
  @DisplayName("a timed-out statement whose cancel cannot reach the server has its connection closed,"
      + " so the pool serves again")
  void unreachableStatementIsClosed(Vertx vertx) throws Exception {
    PgConnectOptions pg = TestServices.pgConnectOptions();
    TcpProxy proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    QueryTestKit.deploy(vertx, QueryTestKit.config(proxiedUrl(pg, proxy), QueryTestKit.pool(1)));
    QueryClient client = QueryTestKit.client(vertx);
    client.read("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);

    proxy.freeze();
    assertFailsWith(FailureCodes.TIMED_OUT, () -> client.query(new JsonObject()
        .put("sql", "SELECT pg_sleep(30)").put("timeoutMs", 300)).await(30, TimeUnit.SECONDS));
    assertThat(QueryTestKit.poolState(vertx).getInteger("active")).as("held while the cancel may still work").isOne();

    vertx.timer(QueryExecutor.CANCEL_GRACE_MS + 300).await(30, TimeUnit.SECONDS);
    JsonObject state = QueryTestKit.poolState(vertx);
    assertThat(state.getInteger("active")).as("connections in use after the grace period").isZero();
    assertThat(state.getInteger("size")).as("open connections after the grace period").isZero();

    // had the connection been kept, the held-back pg_sleep(30) would now reach the server and block the pool
    proxy.thaw();
    QueryResult after = client.query(new JsonObject().put("sql", "SELECT 1 AS one").put("timeoutMs", 2000)).await(30, TimeUnit.SECONDS);
    assertThat(after.firstRow().getInteger("one")).isEqualTo(1);
    proxy.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a transaction that runs out of time answers 504, commits nothing and frees its connection")
  void transactionTimeout(Vertx vertx) throws Exception {
    QueryTestKit.TestSchema schema = new QueryTestKit.TestSchema(vertx);
    try {
      schema.exec("CREATE TABLE " + schema.table("t") + " (id int PRIMARY KEY)");
      QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(1)));
      JsonArray statements = new JsonArray()
          .add(new JsonObject().put("sql", "INSERT INTO " + schema.table("t") + " VALUES (1)"))
          .add(new JsonObject().put("sql", "SELECT pg_sleep(5)"))
          .add(new JsonObject().put("sql", "INSERT INTO " + schema.table("t") + " VALUES (2)"));

      long started = System.nanoTime();
      assertFailsWith(FailureCodes.TIMED_OUT, () -> QueryTestKit.send(vertx, io.consolidb.Addresses.DB_TX,
          new JsonObject().put("statements", statements).put("timeoutMs", 300)).await(30, TimeUnit.SECONDS));
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);

      QueryResult after = QueryTestKit.client(vertx).read("after", "SELECT count(*) AS n FROM " + schema.table("t"), null)
          .await(30, TimeUnit.SECONDS);
      assertThat(after.firstRow().getLong("n")).isZero();
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1500);
      assertThat(QueryTestKit.poolState(vertx).getInteger("active")).isZero();
    } finally {
      schema.drop();
    }
  }

  @Test
  @DisplayName("a request cannot ask for more time than the configured query timeout")
  void timeoutIsCapped(Vertx vertx) {
    QueryTestKit.deploy(vertx, QueryTestKit.config(QueryTestKit.pool(1).put("queryTimeoutMs", 300)));

    long started = System.nanoTime();
    assertFailsWith(FailureCodes.TIMED_OUT, () -> QueryTestKit.client(vertx).query(new JsonObject()
        .put("sql", "SELECT pg_sleep(5)").put("timeoutMs", 60_000)).await(30, TimeUnit.SECONDS));
    assertThat((System.nanoTime() - started) / 1_000_000).isBetween(250L, 1500L);
  }

  static String proxiedUrl(PgConnectOptions pg, TcpProxy proxy) {
    return "postgresql://%s:%s@127.0.0.1:%d/%s".formatted(pg.getUser(), pg.getPassword(), proxy.port(),
        pg.getDatabase());
  }
}
