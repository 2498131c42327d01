package io.consolidb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.NodeSettings;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each check makes of the answers of its peers on the event bus (the query service's pool
 * state and queries, the cache service's statistics): stand-ins answer on the real addresses, so
 * every branch of the probes' reading can be reached without breaking a real service. The
 * saturated-pool path uses the real PostgreSQL.
 */
class HealthProbesAnswersTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static NodeSettings settings(String databaseUrl, JsonObject redis) {
    return NodeSettings.fromJson(new JsonObject()
        .put("environment", "testing")
        .put("database", new JsonObject().put("url", databaseUrl))
        .put("redis", redis)
        .put("health", new JsonObject().put("checkTimeoutMs", 500).put("databaseTimeoutMs", 400)
            .put("redisTimeoutMs", 300)));
  }

  private static NodeSettings settings() {
    return settings(TestServices.databaseUrl(), new JsonObject().put("enabled", false));
  }

  private void answer(String address, Consumer<Message<Object>> handler) throws Exception {
    vertx.eventBus().consumer(address, handler::accept).completion().await(5, TimeUnit.SECONDS);
  }

  private void poolState(int active, int maxSize) throws Exception {
    answer(Addresses.DB_POOL_STATE, m -> m.reply(new JsonObject().put("size", maxSize).put("active", active)
        .put("idle", maxSize - active).put("waiting", 2).put("max_size", maxSize)));
  }

  private JsonObject round(NodeSettings settings) throws Exception {
    Promise<JsonObject> round = Promise.promise();
    vertx.runOnContext(v -> new HealthProbes(vertx, settings).run().onComplete(round));
    return round.future().await(10, TimeUnit.SECONDS);
  }

  private JsonObject checks(NodeSettings settings) throws Exception {
    return round(settings).getJsonObject("checks");
  }

  @Test
  @DisplayName("the pool check reports the pool's state and its utilization in tenths of a percent")
  void pool_reportsStateAndUtilization() throws Exception {
    poolState(1, 3);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    JsonObject pool = checks(settings()).getJsonObject("connection_pool");
    assertThat(pool).isEqualTo(new JsonObject().put("status", "UP").put("size", 3).put("active", 1).put("idle", 2)
        .put("waiting", 2).put("max_size", 3).put("utilization", 33.3));
  }

  @Test
  @DisplayName("a pool of size 0 reads as 0 % used, not as a division by zero")
  void pool_sizeZero_noDivision() throws Exception {
    poolState(0, 0);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    assertThat(checks(settings()).getJsonObject("connection_pool").getDouble("utilization")).isEqualTo(0.0);
  }

  @Test
  @DisplayName("a pool state that fails for another reason than a missing service says the service did not report")
  void pool_failedReply_fixedReason() throws Exception {
    answer(Addresses.DB_POOL_STATE, m -> m.fail(500, "boom with a secret"));
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    JsonObject pool = checks(settings()).getJsonObject("connection_pool");
    assertThat(pool).isEqualTo(new JsonObject().put("status", "DOWN")
        .put("reason", "the query service did not report its pool"));
  }

  @Test
  @DisplayName("an answering pool measures SELECT 1 through it, marked via pool")
  void database_throughPool() throws Exception {
    poolState(1, 4);
    answer(Addresses.DB_QUERY, m -> {
      assertThat(((JsonObject) m.body()).getString("sql")).isEqualTo("SELECT 1");
      m.reply(new JsonObject());
    });
    JsonObject database = checks(settings()).getJsonObject("database");
    assertThat(database.getString("status")).isEqualTo("UP");
    assertThat(database.getString("via")).isEqualTo("pool");
    assertThat(database.getLong("response_time_ms")).isBetween(0L, 400L);
  }

  @ParameterizedTest(name = "failure code {0}")
  @CsvSource(delimiter = '|', value = {
      "504|no answer within 400 ms",
      "429|no connection available (the pool is saturated)",
      "503|the database is unavailable",
      "400|the check failed (code 400)"})
  @DisplayName("each failure code of the query service becomes its own fixed reason, never the driver's text")
  void database_failureCodes_fixedReasons(int code, String reason) throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.fail(code, "password=hunter2 host=db.internal"));
    JsonObject database = checks(settings()).getJsonObject("database");
    assertThat(database).isEqualTo(new JsonObject().put("status", "DOWN").put("reason", reason).put("via", "pool"));
  }

  @Test
  @DisplayName("a query service that never answers is cut at the database timeout")
  void database_noAnswer_timesOut() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> { }); // holds the request
    JsonObject database = checks(settings()).getJsonObject("database");
    assertThat(database.getString("status")).isEqualTo("DOWN");
    assertThat(database.getString("reason")).isEqualTo("no answer within 400 ms");
  }

  @Test
  @DisplayName("a saturated pool is bypassed: the round trip goes over a dedicated connection to the real database")
  void database_saturatedPool_dedicatedConnection() throws Exception {
    poolState(4, 4);
    answer(Addresses.DB_QUERY, m -> { }); // the pool's queue would only measure itself
    JsonObject database = checks(settings()).getJsonObject("database");
    assertThat(database.getString("status")).isEqualTo("UP");
    assertThat(database.getString("via")).isEqualTo("dedicated connection (the pool is saturated)");
    assertThat(database.getLong("response_time_ms")).isBetween(0L, 400L);
  }

  @Test
  @DisplayName("a saturated pool and an unreachable database: the dedicated connection fails with a fixed reason")
  void database_saturatedPoolDatabaseDown_dedicatedFails() throws Exception {
    poolState(4, 4);
    JsonObject database = checks(settings("postgresql://u:secret@127.0.0.1:1/db", new JsonObject().put("enabled", false)))
        .getJsonObject("database");
    assertThat(database).isEqualTo(new JsonObject().put("status", "DOWN").put("reason", "the database is unavailable")
        .put("via", "dedicated connection (the pool is saturated)"));
  }

  @Test
  @DisplayName("statistics from the cache service make the cache check UP and are reported, masked; LISTEN follows them")
  void cache_statistics_reportedAndListen() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    answer(Addresses.CACHE_STATS, m -> m.reply(new JsonObject().put("hits", 3)
        .put("redis", new JsonObject().put("url", "redis://:secret@cache:6379"))
        .put("listen", new JsonObject().put("connected", false))));
    JsonObject round = round(settings());
    assertThat(round.getJsonObject("checks").getJsonObject("cache")).isEqualTo(new JsonObject().put("status", "UP"));
    assertThat(round.getJsonObject("checks").getJsonObject("listen")).isEqualTo(new JsonObject()
        .put("status", "DOWN").put("reason", "the LISTEN subscription is disconnected"));
    assertThat(round.getJsonObject("cache").getInteger("hits")).isEqualTo(3);
    assertThat(round.getJsonObject("cache").encode()).doesNotContain("secret");
    assertThat(round.getJsonObject("checks").fieldNames())
        .containsExactly("database", "connection_pool", "redis", "event_loop", "cache", "listen");
  }

  @Test
  @DisplayName("a connected LISTEN subscription is UP; statistics without a listen section add no LISTEN check")
  void cache_listenConnected_up() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    answer(Addresses.CACHE_STATS, m -> m.reply(new JsonObject().put("listen", new JsonObject().put("connected", true))));
    assertThat(checks(settings()).getJsonObject("listen")).isEqualTo(new JsonObject().put("status", "UP"));
  }

  @Test
  @DisplayName("a cache service answering no statistics, or failing, is DOWN with a fixed reason reported under cache")
  void cache_badOrFailedAnswer_down() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    answer(Addresses.CACHE_STATS, m -> m.reply("not statistics"));
    JsonObject round = round(settings());
    assertThat(round.getJsonObject("checks").getJsonObject("cache")).isEqualTo(new JsonObject().put("status", "DOWN")
        .put("reason", "the cache service answered no statistics"));
    assertThat(round.getJsonObject("cache")).isEqualTo(new JsonObject().put("status", "unknown")
        .put("reason", "the cache service answered no statistics"));
    assertThat(round.getJsonObject("checks").containsKey("listen")).isFalse();
  }

  @Test
  @DisplayName("a cache service that fails the request is DOWN: it did not answer")
  void cache_failedRequest_down() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    answer(Addresses.CACHE_STATS, m -> m.fail(FailureCodes.UNAVAILABLE, "secret"));
    assertThat(checks(settings()).getJsonObject("cache")).isEqualTo(new JsonObject().put("status", "DOWN")
        .put("reason", "the cache service did not answer"));
  }

  @Test
  @DisplayName("Redis answering PING is UP with its round trip; a Redis that accepts and never answers times out,"
      + " and the next round does not send a second PING")
  void redis_pingAndHungServer() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    JsonObject up = checks(settings(TestServices.databaseUrl(),
        new JsonObject().put("enabled", true).put("url", TestServices.redisUrl()))).getJsonObject("redis");
    assertThat(up.getString("status")).isEqualTo("UP");
    assertThat(up.getLong("response_time_ms")).isBetween(0L, 300L);

    NetServer silent = vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    NodeSettings hung = settings(TestServices.databaseUrl(),
        new JsonObject().put("enabled", true).put("url", "redis://127.0.0.1:" + silent.actualPort()));
    Promise<JsonObject> first = Promise.promise();
    Promise<JsonObject> second = Promise.promise();
    vertx.runOnContext(v -> {
      HealthProbes probes = new HealthProbes(vertx, hung);
      probes.run().onComplete(first).onComplete(done -> probes.run().onComplete(second));
    });
    assertThat(first.future().await(10, TimeUnit.SECONDS).getJsonObject("checks").getJsonObject("redis"))
        .isEqualTo(new JsonObject().put("status", "DOWN").put("reason", "no answer within 300 ms"));
    assertThat(second.future().await(10, TimeUnit.SECONDS).getJsonObject("checks").getJsonObject("redis"))
        .isEqualTo(new JsonObject().put("status", "DOWN").put("reason", "the previous PING has not been answered"));
  }

  @Test
  @DisplayName("Redis refusing connections is DOWN: unreachable")
  void redis_refused_unreachable() throws Exception {
    poolState(0, 4);
    answer(Addresses.DB_QUERY, m -> m.reply(new JsonObject()));
    JsonObject redis = checks(settings(TestServices.databaseUrl(),
        new JsonObject().put("enabled", true).put("url", "redis://127.0.0.1:1"))).getJsonObject("redis");
    assertThat(redis).isEqualTo(new JsonObject().put("status", "DOWN").put("reason", "Redis is unreachable"));
  }
}
