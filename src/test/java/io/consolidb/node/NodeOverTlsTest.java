package io.consolidb.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node wired as in production against the TLS-only PostgreSQL with {@code sslmode=verify-full}:
 * Flyway at start, the query pool, the pipelined lookup client and the cache's LISTEN connection
 * all get there, which they could not if any of them were built without the TLS options (the server
 * refuses plaintext).
 */
@ExtendWith(VertxExtension.class)
class NodeOverTlsTest {

  private static final String ENCRYPTED = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

  @Test
  @DisplayName("schema, pool, pipelined lookups and LISTEN all connect over verify-full")
  void everyConnection_verifyFull(Vertx vertx) throws Exception {
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("database", new JsonObject()
            .put("url", TestServices.tlsDatabaseUrl() + "?sslmode=verify-full")
            .put("sslRootCert", TestServices.tlsCa())
            .put("pool", new JsonObject().put("size", 2).put("pipelined", 1).put("timeoutSeconds", 5))
            .put("migrate", true)
            .put("seedDemoData", false))
        .put("redis", new JsonObject().put("enabled", false).put("url", TestServices.redisUrl()))
        .put("cache", new JsonObject().put("enabled", true).put("keyPrefix", "tls-node-test:"))
        .put("cluster", new JsonObject().put("enabled", false));
    TestNodes.deploy(vertx, config, Component.SCHEMA, Component.CACHE, Component.QUERY);

    QueryClient queries = new QueryClient(vertx, 5000);
    assertThat(queries.read("t", ENCRYPTED, null).await(30, TimeUnit.SECONDS).rows().getJsonObject(0).getBoolean("ssl"))
        .as("pool").isTrue();
    assertThat(queries.lookup("t", ENCRYPTED, null).await(30, TimeUnit.SECONDS).rows().getJsonObject(0).getBoolean("ssl"))
        .as("pipelined lookups").isTrue();
    assertThat(queries.read("t", "SELECT count(*) AS n FROM flyway_schema_history WHERE success", null)
        .await(30, TimeUnit.SECONDS).rows().getJsonObject(0).getLong("n")).as("migrated").isPositive();
    Await.until("the LISTEN connection is up", 10_000, () -> Await.result(vertx.eventBus()
        .<JsonObject>request(Addresses.CACHE_STATS, new JsonObject())).body().getJsonObject("listen").getBoolean("connected"));
  }
}
