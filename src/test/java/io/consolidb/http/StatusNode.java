package io.consolidb.http;

import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A whole node as {@code consolidb run} starts it (its own Vert.x with metrics on, cache on the
 * test Redis, health checks every half second), reaching PostgreSQL through a {@link TcpProxy} so
 * a test can refuse the database; with three tokens: one holding only {@code metrics}, the admin
 * token ({@code admin} and {@code metrics}), and the API token (writes and {@code users.read}).
 */
final class StatusNode implements AutoCloseable {

  static final String METRICS_TOKEN = "status-viewer-9d41c6b0e2f7";
  static final String ADMIN_TOKEN = "status-admin-5a0e73c1d9b4";
  static final String API_TOKEN = "status-api-2c8f61e4a7d3";
  /** A literal of a slow statement: the slow-query log keeps its normalized text, never this. */
  static final String LITERAL = "literal-3e9b07";

  private static final Set<Component> COMPONENTS = EnumSet.of(Component.CACHE, Component.QUERY, Component.METRICS,
      Component.HEALTH, Component.RESTAURANTS, Component.USERS, Component.ANALYTICS, Component.HTTP);

  final TestNode schema;
  final TcpProxy database;
  final ConsolidbNode node;
  final int port;
  final WebClient web;
  private final Vertx helper;

  private StatusNode(TestNode schema, Vertx helper, TcpProxy database, ConsolidbNode node, int port) {
    this.schema = schema;
    this.helper = helper;
    this.database = database;
    this.node = node;
    this.port = port;
    this.web = WebClient.create(helper, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setFollowRedirects(false));
  }

  static StatusNode start(String prefix) throws Exception {
    TestNode schema = TestNode.create(prefix);
    schema.reseed();
    Vertx helper = Vertx.vertx();
    PgConnectOptions pg = PgConnectOptions.fromUri(TestServices.databaseUrl());
    TcpProxy proxy = TcpProxy.start(helper, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    int port = TestNode.freePort();
    JsonObject config = schema.config(port, API_TOKEN);
    JsonObject http = config.getJsonObject("http");
    http.put("adminToken", ADMIN_TOKEN).put("tokens", http.getString("tokens") + ";status-viewer:metrics:" + METRICS_TOKEN);
    String direct = "@" + pg.getHost() + ":" + pg.getPort() + "/";
    if (!schema.databaseUrl().contains(direct)) {
      throw new IllegalStateException("the test database URL names its server in a way this fixture cannot proxy");
    }
    config.getJsonObject("database")
        .put("url", schema.databaseUrl().replace(direct, "@127.0.0.1:" + proxy.port() + "/"))
        .put("slowQueryThresholdSeconds", 0.1);
    config.put("redis", new JsonObject().put("enabled", true).put("url", TestServices.redisUrl())
        .put("timeoutSeconds", 0.5));
    config.put("cache", new JsonObject().put("enabled", true).put("ttlSeconds", 60)
        .put("keyPrefix", "status-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":"));
    config.put("health", new JsonObject().put("intervalSeconds", 0.5));
    config.put("metrics", new JsonObject().put("enabled", true));
    ConsolidbNode node = ConsolidbNode.start(NodeSettings.fromJson(config), COMPONENTS).await(60, TimeUnit.SECONDS);
    return new StatusNode(schema, helper, proxy, node, port);
  }

  HttpResponse<Buffer> get(String path, String token) {
    return send(HttpMethod.GET, path, token);
  }

  HttpResponse<Buffer> send(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> request = web.request(method, path);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    try {
      return request.send().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + ": " + e, e);
    }
  }

  /** A few API reads, read twice so the cache counts hits as well as misses; returns the last status. */
  int drive(int reads) {
    int status = 0;
    for (int i = 0; i < reads; i++) {
      status = get("/api/v1/restaurants/" + (1 + i % 3), null).statusCode();
    }
    return status;
  }

  /** One statement slower than the node's 100 ms threshold, with a literal the log must not keep. */
  void slowQuery() throws Exception {
    new QueryClient(node.vertx(), 5000).read("status.slow", "SELECT pg_sleep(0.15), '" + LITERAL + "'::text AS s",
        null).await(30, TimeUnit.SECONDS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  @Override
  public void close() throws Exception {
    try {
      node.stop().await(30, TimeUnit.SECONDS);
    } finally {
      helper.close().await(30, TimeUnit.SECONDS);
      schema.close();
    }
  }
}
