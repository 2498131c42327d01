package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The LISTEN connection goes through a TCP proxy to PostgreSQL; resetting it (a real network
 * fault) makes the node reconnect, drop its whole local tier (notifications may have been
 * missed) and say so in the log.
 */
class ListenReconnectTest {

  private static TestNode node;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_listen");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @Test
  @DisplayName("a dropped LISTEN connection reconnects and the node drops its local tier, logging why")
  void listenDropped_localTierDropped() throws Exception {
    Vertx vertx = Vertx.vertx();
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(TableChanges.class);
    log.start();
    logger.addAppender(log);
    try {
      PgConnectOptions pg = TestServices.pgConnectOptions();
      TcpProxy proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
      String viaProxy = node.databaseUrl().replace(pg.getHost() + ":" + pg.getPort(), "127.0.0.1:" + proxy.port());
      JsonObject config = CacheTestKit.config(node, 0, null, CacheTestKit.uniquePrefix());
      config.getJsonObject("database").put("url", viaProxy);
      NodeCache cache = CacheTestKit.deploy(vertx, config).cache();
      awaitStats(vertx, s -> s.getJsonObject("listen").getBoolean("connected"));

      QueryClient queries = new QueryClient(vertx, 5000, cache);
      CacheSpec spec = new CacheSpec(60, "listen:one", List.of("test"));
      queries.readCached("t", "SELECT 1 AS one", null, spec).await(30, TimeUnit.SECONDS);
      assertThat(queries.readCached("t", "SELECT 1 AS one", null, spec).await(30, TimeUnit.SECONDS).cached()).isTrue();

      proxy.dropConnections();

      awaitStats(vertx, s -> s.getJsonObject("local").getLong("drops") >= 1 && s.getJsonObject("listen").getBoolean("connected"));
      assertThat(cache.peekLocal("listen:one")).isNull();
      assertThat(log.list).anySatisfy(event ->
          assertThat(event.getFormattedMessage()).contains("LISTEN connection re-established")
              .contains("dropped the local tier"));
    } finally {
      logger.detachAppender(log);
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static void awaitStats(Vertx vertx, java.util.function.Predicate<JsonObject> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    JsonObject stats;
    do {
      stats = Await.result(vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, new JsonObject())).body();
      if (condition.test(stats)) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("condition not met within 10 s; stats " + stats.encode());
  }
}
