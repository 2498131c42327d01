package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.CacheSettings;
import io.consolidb.config.RedisSettings;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The LISTEN subscription on the real PostgreSQL, reached through a TCP proxy: a notification
 * drops its table's tag from the node's cache, malformed ones and other deployments' are ignored,
 * and a connection that is dropped, goes silent or cannot be made at first is replaced, the local
 * tier dropped once it is (notifications may have been missed).
 */
@DisplayName("Table changes (LISTEN/NOTIFY)")
class TableChangesTest {

  private static final String THINGS = "tc_things";
  private static final String OTHERS = "tc_others";

  private Vertx vertx;
  private TcpProxy proxy;
  private NodeCache cache;
  private TableChanges changes;
  private PgConnection notifier;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = Await.result(TcpProxy.start(vertx, pg.getHost(), pg.getPort()));
    CacheSettings settings = new CacheSettings(true, 60, 100, true, 1024, "tc:", 3, 1, 1 << 20, 0, 3000, 20);
    cache = new NodeCache(vertx, settings, new RedisSettings(false, "redis://127.0.0.1:1", "", true, 2, 2),
        new SimpleMeterRegistry());
    changes = new TableChanges(vertx, new PgConnectOptions(pg).setHost("127.0.0.1").setPort(proxy.port()), cache);
    notifier = Await.result(PgConnection.connect(vertx, pg));
  }

  @AfterEach
  void stop() throws Exception {
    proxy.thaw();
    Await.result(changes.stop());
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private void listening() {
    changes.start();
    Await.until("listening", 10_000, changes::listening);
    Await.until("its schema learned", 10_000, () -> changes.schema() != null);
  }

  private void cached(String key, String table) {
    Await.result(cache.readThrough(key, new CacheSpec(60, key, List.of(table)), new RowsLoader() {
      @Override
      public Future<JsonArray> load() {
        return Future.succeededFuture(JsonArray.of(key));
      }
    }));
    assertThat(cache.peekLocal(key)).isNotNull();
  }

  private void notify(String payload) {
    Await.result(notifier.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(TableChanges.CHANNEL, payload)));
  }

  @Test
  @DisplayName("a notification drops the entries tagged with its table, and only those")
  void notification_dropsItsTable() {
    listening();
    cached("a", THINGS);
    cached("b", OTHERS);

    notify("{\"table\":\"" + THINGS + "\",\"op\":\"UPDATE\",\"ids\":[1]}");

    Await.until("a dropped", 5_000, () -> cache.peekLocal("a") == null);
    assertThat(cache.peekLocal("b")).isNotNull();
    assertThat(cache.stats().getJsonObject("invalidations").getLong("notifications")).isEqualTo(1);
  }

  @Test
  @DisplayName("malformed notifications and another schema's are ignored; this schema's is applied")
  void malformedAndForeign_ignored() {
    listening();
    cached("a", THINGS);
    cached("b", OTHERS);

    notify("not json");
    notify("{\"op\":\"UPDATE\"}");
    notify("{\"table\":\"  \"}");
    notify("{\"table\":\"" + THINGS + "\",\"schema\":\"another_deployment\"}");
    notify("{\"table\":\"" + OTHERS + "\",\"schema\":\"" + changes.schema() + "\"}");

    Await.until("b dropped", 5_000, () -> cache.peekLocal("b") == null);
    assertThat(cache.peekLocal("a")).as("the ones before it were ignored").isNotNull();
  }

  @Test
  @DisplayName("the connection dropped: it comes back, and the local tier is dropped (notifications may have been missed)")
  void dropped_reconnectsAndDropsTheLocalTier() {
    listening();
    cached("a", THINGS);

    proxy.dropConnections();

    Await.until("the local tier dropped", 10_000, () -> cache.peekLocal("a") == null);
    Await.until("listening again", 10_000, changes::listening);
    cached("b", OTHERS);
    notify("{\"table\":\"" + OTHERS + "\"}");
    Await.until("b dropped by a notification on the new connection", 5_000, () -> cache.peekLocal("b") == null);
  }

  @Test
  @DisplayName("the connection silent (half-open): the periodic check replaces it")
  void silent_replacedByTheCheck() {
    listening();
    cached("a", THINGS);

    proxy.halfOpen();

    Await.until("not listening", (int) (2 * TableChanges.CHECK_MS), () -> !changes.listening());
    Await.until("listening again", 10_000, changes::listening);
    Await.until("the local tier dropped", 5_000, () -> cache.peekLocal("a") == null);
  }

  @Test
  @DisplayName("the database unreachable at start: retried until it answers")
  void firstConnectFails_retried() throws Exception {
    Await.result(proxy.refuse());
    changes.start();
    Thread.sleep(1_200);
    assertThat(changes.listening()).isFalse();

    Await.result(proxy.accept());
    Await.until("listening", 10_000, changes::listening);
    cached("a", THINGS);
    notify("{\"table\":\"" + THINGS + "\"}");
    Await.until("a dropped", 5_000, () -> cache.peekLocal("a") == null);
  }

  @Test
  @DisplayName("stopped: no longer listening, and a retry due is not made")
  void stop_endsListeningAndRetries() throws Exception {
    listening();
    Await.result(changes.stop());
    assertThat(changes.listening()).isFalse();
    cached("a", THINGS);
    notify("{\"table\":\"" + THINGS + "\"}");
    Thread.sleep(300);
    assertThat(cache.peekLocal("a")).isNotNull();

    TableChanges retrying = new TableChanges(vertx, new PgConnectOptions(TestServices.pgConnectOptions())
        .setHost("127.0.0.1").setPort(proxy.port()), cache);
    Await.result(proxy.refuse());
    retrying.start();
    Thread.sleep(200);
    Await.result(retrying.stop());
    Await.result(proxy.accept());
    Thread.sleep(1_200);
    assertThat(retrying.listening()).isFalse();
  }
}
