package io.consolidb.query;

import static io.consolidb.query.QueryTestKit.assertFailsWith;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The primary unreachable (its connections refused through a {@link TcpProxy}) while the real
 * streaming replica of {@code REPLICA=1 scripts/services.sh up} keeps running: once the breaker has
 * opened, the reads a replica may serve are still answered, by the replica, and everything that
 * needs the primary is refused at once.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("read replicas while the primary is down")
class ReplicaWhilePrimaryDownTest {

  private static final String WHERE = "SELECT pg_is_in_recovery() AS replica";

  private TcpProxy proxy;
  private final Logger logger = (Logger) LoggerFactory.getLogger(QueryExecutor.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void proxy(Vertx vertx) throws Exception {
    logged.start();
    logger.addAppender(logged);
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
  }

  /** A query node whose primary is reached through {@link #proxy}, with one replica at {@code replicaUrl}. */
  private void deploy(Vertx vertx, String replicaUrl, int openMs) {
    TestNodes.deploy(vertx, QueryTestKit.config(QueryTimeoutTest.proxiedUrl(TestServices.pgConnectOptions(), proxy),
        new JsonObject().put("breaker", new JsonObject().put("failures", 3).put("openMs", openMs))
            .put("replicas", new JsonObject().put("urls", replicaUrl).put("maxLagMs", 2000).put("pollMs", 20))),
        Component.QUERY);
    Await.until("the replica up", 10_000, () -> "up".equals(replica(vertx).getString("status")));
  }

  /** The primary refuses connections, and three writes fail: the breaker opens. */
  private void primaryDown(Vertx vertx) {
    Await.result(proxy.refuse());
    proxy.dropConnections();
    Await.until("the pool dropped its reset connections", 10_000,
        () -> QueryTestKit.poolState(vertx).getInteger("size") == 0);
    for (int i = 0; i < 3; i++) {
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, write(WHERE)));
    }
    assertThat(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")).isEqualTo("open");
  }

  @AfterEach
  void close() throws Exception {
    logger.detachAppender(logged);
    proxy.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("breaker open: plain reads and lookups run on the replica; writes, cache fills, reads marked primary"
      + " and reads needing a newer LSN fail at once with 503; the replica's answers never close the breaker")
  void replicaServesReadsWhileThePrimaryIsDown(Vertx vertx) throws Exception {
    deploy(vertx, TestServices.readDatabaseUrl(), 1000);
    assertThat(query(vertx, write(WHERE)).getString("lsn")).as("a write through the proxy, before").isNotNull();
    primaryDown(vertx);

    for (int i = 0; i < 20; i++) {
      assertThat(ranOnReplica(vertx, read(WHERE))).as("read %d", i).isTrue();
      assertThat(ranOnReplica(vertx, read(WHERE).put("lookup", true))).as("lookup %d", i).isTrue();
    }
    long started = System.nanoTime();
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, write(WHERE))).hasMessageContaining("circuit breaker open");
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, read(WHERE).put("primary", true)))
        .hasMessageContaining("circuit breaker open");
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, read(WHERE).put("cache",
        new JsonObject().put("ttlSeconds", 60).put("key", "primary-down:" + System.nanoTime()))))
        .hasMessageContaining("circuit breaker open");
    assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, read(WHERE).put("minLsn", "FFFFFFFF/FFFFFF00")))
        .hasMessageContaining("circuit breaker open");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("four refusals, ms").isLessThan(1000);

    assertThat(List.copyOf(logged.list)).as("what the query layer logged").map(ILoggingEvent::getFormattedMessage)
        .noneMatch(line -> line.contains("available again"))
        .filteredOn(line -> line.startsWith("database unavailable")).hasSize(1);

    // the breaker's trials keep failing (openMs 1000): still open after the replica answered ~40 reads
    Thread.sleep(1500);
    JsonObject breaker = QueryTestKit.poolState(vertx).getJsonObject("breaker");
    assertThat(breaker.getString("state")).isIn("open", "half_open");
    assertThat(breaker.getLong("openings")).isOne();

    Await.result(proxy.accept());
    Await.until("the breaker closed by its trial", 10_000,
        () -> "closed".equals(QueryTestKit.poolState(vertx).getJsonObject("breaker").getString("state")));
    assertThat(query(vertx, write(WHERE)).getJsonArray("rows").getJsonObject(0).getBoolean("replica")).isFalse();
  }

  @Test
  @DisplayName("breaker open and the replica unreachable too: a read fails with 503, and the replica is marked down")
  void replicaGoneToo(Vertx vertx) throws Exception {
    PgConnectOptions read = PgConnectOptions.fromUri(TestServices.readDatabaseUrl());
    TcpProxy replicaProxy = TcpProxy.start(vertx, read.getHost(), read.getPort()).await(30, TimeUnit.SECONDS);
    try {
      deploy(vertx, QueryTimeoutTest.proxiedUrl(read, replicaProxy), 60_000);
      primaryDown(vertx);
      assertThat(ranOnReplica(vertx, read(WHERE))).isTrue();

      Await.result(replicaProxy.refuse());
      replicaProxy.dropConnections();
      long started = System.nanoTime();
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, read(WHERE)));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).as("ms to fail").isLessThan(5_000);
      Await.until("the replica marked down", 10_000, () -> "down".equals(replica(vertx).getString("status")));
      assertFailsWith(FailureCodes.UNAVAILABLE, () -> query(vertx, read(WHERE).put("lookup", true)))
          .hasMessageContaining("circuit breaker open");
    } finally {
      replicaProxy.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static JsonObject replica(Vertx vertx) {
    return QueryTestKit.poolState(vertx).getJsonArray("replicas").getJsonObject(0);
  }

  private static JsonObject read(String sql) {
    return new JsonObject().put("sql", sql).put("readOnly", true);
  }

  private static JsonObject write(String sql) {
    return new JsonObject().put("sql", sql).put("readOnly", false);
  }

  private static JsonObject query(Vertx vertx, JsonObject request) {
    return Await.result(QueryTestKit.send(vertx, Addresses.DB_QUERY, request));
  }

  private static boolean ranOnReplica(Vertx vertx, JsonObject request) {
    return query(vertx, request).getJsonArray("rows").getJsonObject(0).getBoolean("replica");
  }
}
