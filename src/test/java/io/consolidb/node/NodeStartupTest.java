package io.consolidb.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The whole node, deployed as {@code consolidb run} deploys it, while PostgreSQL is unreachable:
 * it must start, say it is not ready, and serve once the database answers, without a restart.
 */
class NodeStartupTest {

  private Vertx vertx;
  private TcpProxy database;

  @AfterEach
  void stop() throws Exception {
    if (database != null) {
      database.close().await(5, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static HttpResponse<Buffer> get(WebClient client, int port, String path) throws Exception {
    return client.get(port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a node started while PostgreSQL is down is live, not ready, and serves once PostgreSQL is back")
  void startsWithoutDatabase_servesWhenItReturns() throws Exception {
    vertx = Vertx.vertx();
    PgConnectOptions real = TestServices.pgConnectOptions();
    database = TcpProxy.start(vertx, real.getHost(), real.getPort()).await(5, TimeUnit.SECONDS);
    database.refuse().await(5, TimeUnit.SECONDS);
    String url = "postgresql://" + real.getUser() + ":" + real.getPassword() + "@127.0.0.1:" + database.port()
        + "/" + real.getDatabase();
    int httpPort = freePort();
    NodeSettings settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing", "DATABASE_URL", url,
        "HTTP_PORT", Integer.toString(httpPort), "HTTP_HOST", "127.0.0.1", "REDIS_ENABLED", "false",
        "DB_ENABLE_METRICS", "false"));

    long started = System.nanoTime();
    ConsolidbNode.deploy(vertx, new SimpleMeterRegistry(), settings, EnumSet.allOf(Component.class))
        .await(30, TimeUnit.SECONDS);
    assertThat((System.nanoTime() - started) / 1_000_000).as("start-up must not wait for the database")
        .isLessThan(10_000);

    WebClient client = WebClient.create(vertx);
    assertThat(get(client, httpPort, "/health/live").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> notReady = get(client, httpPort, "/health/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    HttpResponse<Buffer> unavailable = get(client, httpPort, "/api/v1/restaurants/1");
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.getHeader("content-type")).startsWith("application/problem+json");
    assertThat(unavailable.bodyAsString()).doesNotContain(real.getPassword());

    database.accept().await(5, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 20_000;
    int status = 0;
    while (System.currentTimeMillis() < deadline && status != 200) {
      Thread.sleep(250);
      status = get(client, httpPort, "/health/ready").statusCode();
    }
    assertThat(status).as("ready after PostgreSQL came back").isEqualTo(200);
    HttpResponse<Buffer> served = get(client, httpPort, "/api/v1/restaurants?lat=40.7128&lng=-74.0060&radius_km=1");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.bodyAsJsonObject().containsKey("items")).isTrue();
    assertThat(get(client, httpPort, "/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("on an empty schema the start completes only once it is migrated: ready at once, the tables there")
  void emptySchema_migratedWhenStartCompletes() throws Exception {
    vertx = Vertx.vertx();
    String schema = "startup_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    Pool admin = PgBuilder.pool().connectingTo(TestServices.pgConnectOptions()).using(vertx).build();
    admin.query("CREATE SCHEMA " + schema).execute().await(10, TimeUnit.SECONDS);
    try {
      String base = TestServices.databaseUrl();
      String url = base + (base.contains("?") ? "&" : "?") + "search_path="
          + URLEncoder.encode(schema + ",public", StandardCharsets.UTF_8);
      int httpPort = freePort();
      NodeSettings settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing", "DATABASE_URL", url,
          "HTTP_PORT", Integer.toString(httpPort), "HTTP_HOST", "127.0.0.1", "REDIS_ENABLED", "false",
          "DB_ENABLE_METRICS", "false", "DB_SEED_DEMO_DATA", "false"));

      ConsolidbNode.deploy(vertx, new SimpleMeterRegistry(), settings, EnumSet.allOf(Component.class))
          .await(60, TimeUnit.SECONDS);

      HttpResponse<Buffer> ready = get(WebClient.create(vertx), httpPort, "/health/ready");
      assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
      Boolean migrated = admin.query("SELECT to_regclass('" + schema + ".restaurants') IS NOT NULL AS found").execute()
          .map(rows -> rows.iterator().next().getBoolean("found")).await(10, TimeUnit.SECONDS);
      assertThat(migrated).isTrue();
    } finally {
      admin.query("DROP SCHEMA " + schema + " CASCADE").execute().await(30, TimeUnit.SECONDS);
      admin.close();
    }
  }

  @Test
  @DisplayName("a development node seeds the demo restaurants when the table is empty, and only then")
  void development_seedsDemoDataWhenEmpty() throws Exception {
    vertx = Vertx.vertx();
    try (TestNode schema = TestNode.create("seed")) {
      NodeSettings settings = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "development",
          "DATABASE_URL", schema.databaseUrl(), "DB_MIGRATE", "false", "DB_DEMO_RESTAURANTS", "300",
          "REDIS_ENABLED", "false", "DB_ENABLE_METRICS", "false"));
      ConsolidbNode first = ConsolidbNode.deploy(vertx, new SimpleMeterRegistry(), settings, EnumSet.of(Component.SCHEMA))
          .await(60, TimeUnit.SECONDS);
      first.undeploy().await(10, TimeUnit.SECONDS);
      // A second start finds rows and leaves them alone.
      ConsolidbNode.deploy(vertx, new SimpleMeterRegistry(), settings, EnumSet.of(Component.SCHEMA))
          .await(60, TimeUnit.SECONDS);
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(schema.databaseUrl())).using(vertx).build();
      long count = pool.query("SELECT count(*) AS n FROM restaurants").execute()
          .map(rows -> rows.iterator().next().getLong("n")).await(10, TimeUnit.SECONDS);
      pool.close();
      assertThat(count).isEqualTo(300);
    }
  }
}
