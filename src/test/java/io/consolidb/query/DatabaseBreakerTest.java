package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consolidb.FailureCodes;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TestNodes;
import io.micrometer.core.instrument.MeterRegistry;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.SqlConnection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("the database circuit breaker")
class DatabaseBreakerTest {

  private TcpProxy proxy;
  private PgConnectOptions pg;

  @BeforeEach
  void proxy(Vertx vertx) throws Exception {
    pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    proxy.close().await(30, TimeUnit.SECONDS);
  }

  private MeterRegistry deploy(Vertx vertx, int failures, int openMs) {
    return TestNodes.deploy(vertx, QueryTestKit.config(QueryTimeoutTest.proxiedUrl(pg, proxy), new JsonObject()
        .put("breaker", new JsonObject().put("failures", failures).put("openMs", openMs))), Component.QUERY)
        .registry();
  }

  private static double gauge(MeterRegistry registry) {
    return registry.get("consolidb.db.breaker.state").gauge().value();
  }

  @Test
  @DisplayName("opens after N refused connections, then fails at once with 503 and a retry hint, stays open while"
      + " its trials fail, and closes by itself once the database accepts connections again")
  void opensFailsFastAndRecovers(Vertx vertx) throws Exception {
    MeterRegistry registry = deploy(vertx, 3, 1500);
    QueryClient client = QueryTestKit.client(vertx);
    assertThat(gauge(registry)).isZero();
    client.read("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    // a write on the reset connection would fail as a lost connection, which does not count
    io.consolidb.testsupport.Await.until("the pool dropped its reset connection", 10_000,
        () -> QueryTestKit.poolState(vertx).getInteger("size") == 0);

    // writes are not retried: one refused connection each
    for (int i = 0; i < 3; i++) {
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
          .hasMessageNotContaining("circuit");
    }
    JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isEqualTo("open");
    assertThat(breaker.getLong("openings")).isOne();
    assertThat(gauge(registry)).as("open").isEqualTo(1.0);
    assertThat(registry.get("consolidb.db.breaker.openings").counter().count()).isEqualTo(1.0);

    long started = System.nanoTime();
    Throwable refused = catchFailure(() -> client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    assertThat(elapsedMs).as("fail-fast latency, measured by the caller").isLessThan(50);
    assertThat(((ServiceException) refused).failureCode()).isEqualTo(FailureCodes.UNAVAILABLE);
    assertThat(refused).hasMessageContaining("circuit breaker open");
    assertThat(FailureCodes.retryAfterSeconds(refused)).isBetween(1, 2);
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.transaction("tx",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("sql", "SELECT 1")), null)
        .await(30, TimeUnit.SECONDS)).hasMessageContaining("circuit breaker open");

    // two trials fail (1.5 s apart): still open, still one opening
    Thread.sleep(3500);
    breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isIn("open", "half_open");
    assertThat(breaker.getLong("openings")).isOne();
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.read("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
        .hasMessageContaining("circuit breaker open");

    proxy.accept().await(30, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    QueryResult result = null;
    while (result == null && System.nanoTime() < deadline) {
      try {
        result = client.read("q", "SELECT 1 AS one", null).await(30, TimeUnit.SECONDS);
      } catch (ServiceException stillOpen) {
        Thread.sleep(100);
      }
    }
    assertThat(result).as("answered within 10 s of the database accepting again").isNotNull();
    assertThat(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")).isEqualTo("closed");
    assertThat(gauge(registry)).as("closed").isZero();
    assertThat(registry.get("consolidb.db.breaker.openings").counter().count()).isEqualTo(1.0);
  }

  @Test
  @DisplayName("does not open for slow statements or lock waits that hit the query timeout (504), nor for errors of"
      + " the statement itself")
  void ignoresTimeoutsAndStatementErrors(Vertx vertx) throws Exception {
    deploy(vertx, 1, 60_000);
    QueryTestKit.TestSchema schema = new QueryTestKit.TestSchema(vertx);
    String table = schema.table("locked");
    schema.exec("CREATE TABLE " + table + " (id int PRIMARY KEY, v int); INSERT INTO " + table + " VALUES (1, 1)");
    SqlConnection holder = PgConnection.connect(vertx, pg).await(30, TimeUnit.SECONDS);
    try {
      holder.query("BEGIN; SELECT * FROM " + table + " WHERE id = 1 FOR UPDATE").execute()
          .await(30, TimeUnit.SECONDS);
      QueryClient client = QueryTestKit.client(vertx);
      for (int i = 0; i < 3; i++) {
        assertFailsWith(FailureCodes.TIMED_OUT, () -> client.query(new JsonObject().put("sql",
            "UPDATE " + table + " SET v = v + 1 WHERE id = 1").put("timeoutMs", 300)).await(30, TimeUnit.SECONDS));
        assertFailsWith(FailureCodes.TIMED_OUT, () -> client.query(new JsonObject()
            .put("sql", "SELECT pg_sleep(5)").put("timeoutMs", 300)).await(30, TimeUnit.SECONDS));
        assertFailsWith(FailureCodes.INVALID_INPUT, () -> client.read("q", "SELECT * FROM no_such_table", null)
            .await(30, TimeUnit.SECONDS));
      }
      assertThat(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")).isEqualTo("closed");
      assertThat(client.read("q", "SELECT 1 AS one", null).await(30, TimeUnit.SECONDS).firstRow().getInteger("one"))
          .isEqualTo(1);
    } finally {
      holder.close().await(30, TimeUnit.SECONDS);
      schema.drop();
    }
  }

  @Test
  @DisplayName("does not open when connections are reset under statements while the server still accepts new ones"
      + " (backends terminated)")
  void ignoresResetsOfAReachableServer(Vertx vertx) throws Exception {
    deploy(vertx, 1, 60_000);
    QueryClient client = QueryTestKit.client(vertx);
    client.read("warm", "SELECT 1", null).await(30, TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      var running = client.write("q", "SELECT pg_sleep(2)", null);
      Thread.sleep(300);
      proxy.dropConnections();
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> running.await(30, TimeUnit.SECONDS))
          .hasMessageContaining("connection lost");
    }
    JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isEqualTo("closed");
    assertThat(breaker.getLong("openings")).isZero();
    assertThat(client.write("q", "SELECT 1 AS one", null).await(30, TimeUnit.SECONDS).firstRow().getInteger("one"))
        .isEqualTo(1);
  }

  @Test
  @DisplayName("with DB_BREAKER_FAILURES=0 never opens: every request tries the database")
  void offWhenZero(Vertx vertx) throws Exception {
    deploy(vertx, 0, 1000);
    QueryClient client = QueryTestKit.client(vertx);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    for (int i = 0; i < 6; i++) {
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> client.write("q", "SELECT 1", null).await(30, TimeUnit.SECONDS))
          .hasMessageNotContaining("circuit");
    }
    JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isEqualTo("closed");
    assertThat(breaker.getBoolean("enabled")).isFalse();
  }

  private static Throwable catchFailure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable[] caught = new Throwable[1];
    assertThatThrownBy(call).isInstanceOf(ServiceException.class).satisfies(e -> caught[0] = e);
    return caught[0];
  }
}
