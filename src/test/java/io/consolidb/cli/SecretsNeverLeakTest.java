package io.consolidb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.read.ListAppender;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.RedisProcess;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.consolidb.Addresses;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.user.UserService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.pgclient.PgConnectOptions;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * Nothing leaks (docs/SECURITY.md): a node started by the run command with distinct known secrets —
 * the password of a PostgreSQL role of its own, a Redis password, the API and admin tokens, a
 * scoped token of {@code HTTP_TOKENS}, a cluster secret, an alert webhook URL — is driven through every operation of docs/openapi.yaml
 * with no token, a wrong token and the right ones, with good and bad input, and every action of
 * every service address over the event bus, first with everything
 * up, then with Redis down, then with PostgreSQL refusing connections. Every response (status,
 * headers, body), {@code /health}, {@code /health/ready}, {@code /metrics}, {@code /metrics/summary},
 * the slow-query report and every log line, as the node's own layouts write it, are searched for
 * each secret.
 */
class SecretsNeverLeakTest {

  private static final String DB_PASSWORD = "Leak-Db-Pw-7c41d9";
  private static final String REDIS_PASSWORD = "Leak-Redis-Pw-2b77e0";
  private static final String API_TOKEN = "Leak-Api-Token-5f0a31c9e2d84b17a6";
  private static final String ADMIN_TOKEN = "Leak-Admin-Token-90e4b2a7c1f3d856";
  private static final String CLUSTER_SECRET = "Leak-Cluster-Secret-0d6e8f2a4b1c3e5f7a9b";
  private static final String WEBHOOK_TOKEN = "Leak-Hook-Token-6a8c0e";
  /** An {@code HTTP_TOKENS} entry's token, holding every scope. */
  private static final String SCOPED_TOKEN = "Leak-Scoped-Token-3e9a71b0c4d2f685";
  private static final List<String> SECRETS =
      List.of(DB_PASSWORD, REDIS_PASSWORD, API_TOKEN, ADMIN_TOKEN, CLUSTER_SECRET, WEBHOOK_TOKEN, SCOPED_TOKEN);
  private static final Path DOCUMENT = Path.of("docs/openapi.yaml");
  private static final List<String> METHODS = List.of("get", "head", "put", "post", "delete", "patch");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> outputs = new ArrayList<>();

  @Test
  void everyRouteAndOutput_withDependenciesUpAndDown_showsNoSecret() throws Exception {
    String role = "leak_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    Vertx vertx = Vertx.vertx();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    try (TestNode schema = TestNode.create("leak");
        RedisProcess redis = RedisProcess.start("leak", List.of("--requirepass", REDIS_PASSWORD))) {
      createRole(role, schema.schema());
      PgConnectOptions pg = TestServices.pgConnectOptions();
      TcpProxy proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(10, TimeUnit.SECONDS);
      int port = TestNode.freePort();
      NodeSettings settings = ConfigLoader.loadBlocking(Map.ofEntries(
          Map.entry("CONSOLIDB_ENV", "testing"),
          Map.entry("DATABASE_URL", "postgresql://" + role + ":" + DB_PASSWORD + "@127.0.0.1:" + proxy.port() + "/"
              + pg.getDatabase() + "?search_path=" + schema.schema() + ",public"),
          Map.entry("DB_MIGRATE", "false"),
          Map.entry("DB_QUERY_TIMEOUT_MS", "1500"),
          Map.entry("REDIS_URL", "redis://:" + REDIS_PASSWORD + "@127.0.0.1:" + redis.port()),
          Map.entry("REDIS_ENABLED", "true"),
          Map.entry("DB_CACHE_ENABLED", "true"),
          Map.entry("API_TOKEN", API_TOKEN),
          Map.entry("ADMIN_TOKEN", ADMIN_TOKEN),
          Map.entry("HTTP_TOKENS", "everything:users.read,users.write,restaurants.write,analytics.write,admin,metrics:"
              + SCOPED_TOKEN),
          Map.entry("CLUSTER_SECRET", CLUSTER_SECRET),
          // the wrong-token requests would block 127.0.0.1 (429) and hide the guarded routes' failures
          Map.entry("HTTP_AUTH_MAX_FAILURES", "0"),
          Map.entry("HEALTH_WEBHOOK_URL", "http://127.0.0.1:1/hooks/" + WEBHOOK_TOKEN),
          Map.entry("DB_HEALTH_CHECK_INTERVAL", "0.5"),
          Map.entry("HTTP_HOST", "127.0.0.1"),
          Map.entry("HTTP_PORT", Integer.toString(port))));
      RunCommand.Started started = RunCommand.start(settings);
      assertThat(started.node()).as("the node starts").isNotNull();
      try {
        String base = "http://127.0.0.1:" + port;
        Await.until("the node is ready", 20_000, () -> status(base + "/health/ready") == 200);
        assertThat(send("POST", base + "/api/v1/restaurants", API_TOKEN, validRestaurant())).as("a write works")
            .startsWith("201");

        Vertx nodeVertx = started.node().vertx();
        driveEverything(base);
        driveEventBus(nodeVertx);
        redis.stop();
        Thread.sleep(1500); // the cache notices, health rounds report it
        driveEverything(base);
        driveEventBus(nodeVertx);
        proxy.refuse().await(10, TimeUnit.SECONDS);
        proxy.dropConnections();
        Thread.sleep(1500);
        driveEverything(base);
        driveEventBus(nodeVertx);
        proxy.accept().await(10, TimeUnit.SECONDS);
        redis.start();
      } finally {
        started.node().stop().await(30, TimeUnit.SECONDS);
        proxy.close().await(10, TimeUnit.SECONDS);
      }
    } finally {
      root.detachAppender(captured);
      vertx.close().await(10, TimeUnit.SECONDS);
      sql("DROP ROLE IF EXISTS " + role); // after the schema: its grants went with it
    }

    assertThat(outputs).as("responses searched").hasSizeGreaterThan(100);
    assertThat(outputs).as("some failed because Redis or PostgreSQL was down")
        .anyMatch(output -> output.startsWith("503"));
    List<String> lines = writtenLines(captured.list);
    assertThat(lines).as("log lines searched").hasSizeGreaterThan(20)
        .anyMatch(line -> line.contains("WARN") || line.contains("ERROR"))
        .as("the effective configuration, secrets masked, is among them").anyMatch(line -> line.contains("****"));
    for (String secret : SECRETS) {
      assertThat(outputs).as("responses containing " + secret).noneMatch(output -> output.contains(secret));
      assertThat(lines).as("log lines containing " + secret).noneMatch(line -> line.contains(secret));
    }
  }

  /** Every documented operation four ways, then the health, metrics and admin outputs. */
  private void driveEverything(String base) throws Exception {
    for (Map.Entry<String, List<String>> operation : documentedOperations().entrySet()) {
      String path = operation.getKey().replaceAll("\\{[^}]+}", "1");
      for (String method : operation.getValue()) {
        String verb = method.toUpperCase(java.util.Locale.ROOT);
        record(send(verb, base + path, null, null));
        record(send(verb, base + path + "?lat=north&lng=x&radius_km=-1&q=%00&limit=99999&from=never", "wrong-token",
            "{not json"));
        record(send(verb, base + path, API_TOKEN, "{}"));
        record(send(verb, base + path, ADMIN_TOKEN, validRestaurant()));
        record(send(verb, base + path, SCOPED_TOKEN, validRestaurant()));
      }
    }
    for (String path : List.of("/health", "/health/ready", "/health/live", "/metrics", "/metrics/summary",
        "/metrics/slow-queries", "/admin/cache/stats")) {
      record(send("GET", base + path, null, null));
      record(send("GET", base + path, ADMIN_TOKEN, null));
      record(send("GET", base + path, SCOPED_TOKEN, null));
    }
  }

  /**
   * Every action of every service address over the node's event bus, as a member would send it:
   * an empty body and one with plausible fields; the reply or the failure's code, message and
   * debug info are searched like the HTTP answers.
   */
  private void driveEventBus(Vertx vertx) throws Exception {
    Map<String, Class<?>> services = Map.of(Addresses.RESTAURANTS, RestaurantService.class,
        Addresses.USERS, UserService.class, Addresses.ANALYTICS, AnalyticsService.class);
    JsonObject plausible = new JsonObject().put("id", 1).put("userId", 1).put("restaurantId", 1).put("query", "x")
        .put("latitude", 1).put("longitude", 1).put("radiusKm", 1).put("limit", 5).put("city", "x")
        .put("restaurant", new JsonObject(validRestaurant())).put("changes", new JsonObject().put("name", "y"));
    for (Map.Entry<String, Class<?>> service : services.entrySet()) {
      for (Method method : service.getValue().getMethods()) {
        if (Modifier.isStatic(method.getModifiers())) {
          continue;
        }
        for (JsonObject body : List.of(new JsonObject(), plausible)) {
          DeliveryOptions options = new DeliveryOptions().addHeader("action", method.getName()).setSendTimeout(5000);
          record(vertx.eventBus().request(service.getKey(), body, options)
              .map(reply -> "reply " + reply.body())
              .recover(failure -> Future.succeededFuture("failure " + failure.getMessage()
                  + (failure instanceof ServiceException e ? " " + e.failureCode() + " " + e.getDebugInfo() : "")))
              .await(10, TimeUnit.SECONDS));
        }
      }
    }
  }

  private void record(String output) {
    outputs.add(output);
  }

  /** {@code "<status>\n<headers>\n<body>"}. */
  private String send(String method, String url, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + "\n" + response.headers().map() + "\n" + response.body();
  }

  private int status(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  private static String validRestaurant() {
    return "{\"name\":\"Leak Probe Diner\",\"city\":\"Testville\",\"latitude\":40.7,\"longitude\":-74.0,"
        + "\"price_range\":2}";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, List<String>> documentedOperations() throws Exception {
    Map<String, List<String>> operations = new LinkedHashMap<>();
    try (Reader reader = Files.newBufferedReader(DOCUMENT)) {
      Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>)
          ((Map<String, Object>) new Yaml().load(reader)).get("paths");
      paths.forEach((path, item) -> operations.put(path,
          item.keySet().stream().filter(METHODS::contains).toList()));
    }
    return operations;
  }

  /** The captured events as the node's own text and JSON layouts write them. */
  private static List<String> writtenLines(List<ILoggingEvent> events) throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try (InputStream xml = Files.newInputStream(Path.of("src/main/resources/logback.xml"))) {
      configurator.doConfigure(xml);
    }
    List<String> lines = new ArrayList<>();
    for (String format : List.of("text", "json")) {
      Layout<ILoggingEvent> layout = layout(context, format);
      for (ILoggingEvent event : List.copyOf(events)) {
        lines.add(layout.doLayout(event));
      }
    }
    context.stop();
    return lines;
  }

  @SuppressWarnings("unchecked")
  private static Layout<ILoggingEvent> layout(LoggerContext context, String name) {
    OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>)
        context.getLogger("consolidb.log-formats").getAppender(name);
    return ((LayoutWrappingEncoder<ILoggingEvent>) appender.getEncoder()).getLayout();
  }

  /** A login role of the test's own with a password no other test uses, allowed into the node's schema. */
  private static void createRole(String role, String schema) throws Exception {
    sql("CREATE ROLE " + role + " LOGIN PASSWORD '" + DB_PASSWORD + "'",
        "GRANT USAGE ON SCHEMA " + schema + " TO " + role,
        "GRANT ALL ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
        "GRANT ALL ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role,
        "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA " + schema + " TO " + role);
  }

  private static void sql(String... statements) throws Exception {
    PgConnectOptions pg = TestServices.pgConnectOptions();
    try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort()
        + "/" + pg.getDatabase(), pg.getUser(), pg.getPassword()); Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }
}
