package io.consolidb.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.consolidb.cluster.HazelcastClusterConfig;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.config.TracingSettings;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.consolidb.metrics.Meters;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Traces through every hop, recorded by the OpenTelemetry SDK's in-memory exporter: an uncached
 * and a cached radius read each give the expected span tree (HTTP request, in-process service
 * call, cache read with its tiers' outcomes, event-bus hop, SQL statement); a call between two
 * clustered nodes keeps one trace id; no span holds a parameter value, token or e-mail address.
 */
class TracingTest {

  private static final String TOKEN = "tracing-token-0c9d";
  private static final TracingSettings EVERY_TRACE = new TracingSettings("http://unused:4318", 1.0, "consolidb-test");
  private static final InMemorySpanExporter spans = InMemorySpanExporter.create();

  private static TestNode node;
  private static Vertx vertx;
  private static OpenTelemetrySdk sdk;
  private static WebClient client;
  private static int port;

  @BeforeAll
  static void start() {
    node = TestNode.create("tracing");
    node.reseed();
    sdk = Tracing.sdk(EVERY_TRACE, SimpleSpanProcessor.create(spans));
    vertx = Tracing.traced(Vertx.builder(), sdk).build();
    Tracing.register(vertx, sdk);
    port = TestNode.freePort();
    JsonObject config = node.config(port, TOKEN);
    config.getJsonObject("database").put("echo", true); // every statement logged: the log check below reads them
    config.put("redis", new JsonObject().put("enabled", true).put("url", TestServices.redisUrl()));
    config.put("cache", new JsonObject().put("enabled", true).put("keyPrefix",
        "tracing" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":"));
    io.consolidb.testsupport.TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY,
        Component.RESTAURANTS, Component.USERS, Component.HTTP);
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    Tracing.shutdown(vertx);
    node.close();
  }

  @BeforeEach
  void clear() {
    spans.reset();
  }

  private static HttpResponse<Buffer> get(int port, String uri) {
    // the test token also reads users (TestNode.config); public routes ignore it
    return Await.result(client.request(HttpMethod.GET, port, "127.0.0.1", uri).bearerTokenAuthentication(TOKEN).send());
  }

  /**
   * The finished spans of the trace that answered {@code response} (a traced answer's request id
   * is its trace id), once its server span named {@code serverSpanName} has ended.
   */
  private static List<SpanData> traceOf(HttpResponse<Buffer> response, String serverSpanName) {
    String traceId = response.getHeader("X-Request-Id");
    Await.until("the server span " + serverSpanName + " of trace " + traceId, 10_000,
        () -> spans.getFinishedSpanItems().stream().anyMatch(s -> s.getTraceId().equals(traceId)
            && s.getKind() == SpanKind.SERVER && s.getName().equals(serverSpanName)));
    return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
  }

  /**
   * {@code exporter}, which closing a node's SDK leaves open: the cluster test's nodes share the
   * class's exporter, and a closed one drops every span of the tests that run after.
   */
  private static SpanExporter leftOpen(SpanExporter exporter) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        return exporter.export(batch);
      }

      @Override
      public CompletableResultCode flush() {
        return exporter.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  private static boolean isStatement(SpanData span, String sql) {
    return span.getName().equals("Query") && sql.equals(span.getAttributes().get(AttributeKey.stringKey("db.query.text")));
  }

  private static SpanData one(List<SpanData> trace, String name) {
    List<SpanData> found = trace.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(found).as("spans named %s in %s", name, tree(trace)).hasSize(1);
    return found.get(0);
  }

  private static boolean descends(List<SpanData> trace, SpanData span, SpanData ancestor) {
    Map<String, SpanData> byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
    for (SpanData at = span; at != null; at = byId.get(at.getParentSpanId())) {
      if (at.getParentSpanId().equals(ancestor.getSpanId())) {
        return true;
      }
    }
    return false;
  }

  /** The tree as text (names, kinds, attributes), for failure messages and the note. */
  static String tree(List<SpanData> trace) {
    StringBuilder out = new StringBuilder();
    Map<String, List<SpanData>> children = new HashMap<>();
    trace.forEach(s -> children.computeIfAbsent(s.getParentSpanId(), k -> new ArrayList<>()).add(s));
    trace.stream().filter(s -> trace.stream().noneMatch(p -> p.getSpanId().equals(s.getParentSpanId())))
        .forEach(root -> print(root, children, 0, out));
    return out.toString();
  }

  private static void print(SpanData span, Map<String, List<SpanData>> children, int depth, StringBuilder out) {
    out.append("  ".repeat(depth)).append(span.getName()).append(" [").append(span.getKind()).append("] ")
        .append(span.getAttributes().asMap().entrySet().stream()
            .filter(e -> !e.getKey().getKey().startsWith("network.") && !e.getKey().getKey().startsWith("server."))
            .map(e -> e.getKey().getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(", ")))
        .append('\n');
    children.getOrDefault(span.getSpanId(), List.of()).stream()
        .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos()))
        .forEach(child -> print(child, children, depth + 1, out));
  }

  @Test
  void radiusRead_uncachedThenCached_spanTrees() {
    String uri = "/api/v1/restaurants?lat=" + KnownRestaurants.CENTRE_LAT + "&lng=" + KnownRestaurants.CENTRE_LNG
        + "&radius_km=2.5";
    HttpResponse<Buffer> first = get(port, uri);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.getHeader("X-Cache")).isEqualTo("MISS");
    List<SpanData> uncached = traceOf(first, "GET /api/v1/restaurants");
    System.out.println("uncached radius read:\n" + tree(uncached));

    SpanData server = one(uncached, "GET /api/v1/restaurants");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/api/v1/restaurants");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.query"))).isEqualTo("lat=?&lng=?&radius_km=?");
    // the request id of a traced request is its trace id
    assertThat(first.getHeader("X-Request-Id")).isEqualTo(server.getTraceId());
    SpanData service = one(uncached, "consolidb.restaurants nearFiltered");
    assertThat(service.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(service.getAttributes().get(AttributeKey.stringKey("consolidb.hop"))).isEqualTo("in-process");
    SpanData cache = one(uncached, "cache.read");
    assertThat(descends(uncached, cache, service)).as(tree(uncached)).isTrue();
    assertThat(cache.getAttributes().get(AttributeKey.stringKey("cache.outcome"))).isEqualTo("load");
    assertThat(cache.getAttributes().get(AttributeKey.booleanKey("cache.local.hit"))).isFalse();
    assertThat(cache.getAttributes().get(AttributeKey.booleanKey("cache.redis.hit"))).isFalse();
    List<SpanData> queries = uncached.stream().filter(s -> s.getName().equals("Query")).toList();
    assertThat(queries).as(tree(uncached)).isNotEmpty();
    for (SpanData query : queries) {
      assertThat(query.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(descends(uncached, query, service)).as(tree(uncached)).isTrue();
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.query.text"))).contains("$1")
          .doesNotContain(String.valueOf(KnownRestaurants.CENTRE_LAT));
    }
    assertThat(uncached).allMatch(s -> s.getTraceId().equals(server.getTraceId()));

    spans.reset();
    HttpResponse<Buffer> second = get(port, uri);
    assertThat(second.getHeader("X-Cache")).isEqualTo("HIT");
    List<SpanData> cached = traceOf(second, "GET /api/v1/restaurants");
    System.out.println("cached radius read:\n" + tree(cached));
    SpanData hit = one(cached, "cache.read");
    assertThat(hit.getAttributes().get(AttributeKey.stringKey("cache.outcome"))).isEqualTo("local_hit");
    assertThat(hit.getAttributes().get(AttributeKey.booleanKey("cache.local.hit"))).isTrue();
    assertThat(cached).noneMatch(s -> s.getName().equals("Query"));
    assertThat(descends(cached, hit, one(cached, "consolidb.restaurants nearFiltered"))).isTrue();
  }

  @Test
  void aSampledReadByIdFromTheLocalTier_stillRecordsTheServiceAndCacheSpans() {
    assertThat(get(port, "/api/v1/restaurants/4").getHeader("X-Cache")).isEqualTo("MISS");
    spans.reset();
    HttpResponse<Buffer> hit = get(port, "/api/v1/restaurants/4");
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    // the route's shortcut for local hits (RestaurantHits) steps aside for a sampled request
    List<SpanData> trace = traceOf(hit, "GET /api/v1/restaurants/:id");
    SpanData cache = one(trace, "cache.read");
    assertThat(cache.getAttributes().get(AttributeKey.stringKey("cache.outcome"))).isEqualTo("local_hit");
    assertThat(descends(trace, cache, one(trace, "consolidb.restaurants get"))).as(tree(trace)).isTrue();
  }

  @Test
  void aFailedStatement_recordsItsSqlStateAndNotTheInputItQuotes() {
    String input = "not-a-number-" + System.nanoTime();
    String sql = "SELECT ($1::text)::int AS n";
    Span parent = Tracing.tracer(vertx).spanBuilder("caller").startSpan();
    QueryClient queries = new QueryClient(vertx, 5_000);
    Promise<QueryResult> answered = Promise.promise();
    // PostgreSQL's message quotes the input: invalid input syntax for type integer: "not-a-number-…"
    vertx.runOnContext(v -> Tracing.within(parent, () -> queries.read("tracing.failure", sql, new JsonArray().add(input)))
        .onComplete(answered));
    Await.until("the failing read's answer", 30_000, () -> answered.future().isComplete());
    assertThat(answered.future().failed()).as("the read's answer: %s", answered.future().result()).isTrue();
    assertThat(answered.future().cause()).hasMessageContaining("22P02");
    parent.end();
    Await.until("the statement's span", 10_000,
        () -> spans.getFinishedSpanItems().stream().anyMatch(s -> isStatement(s, sql)));
    // a connection idle for a while is validated first (SELECT 1): a span of its own
    SpanData statement = spans.getFinishedSpanItems().stream().filter(s -> isStatement(s, sql)).findFirst()
        .orElseThrow();
    assertThat(statement.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
    assertThat(statement.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(statement.getParentSpanId()).isNotEqualTo(SpanId.getInvalid());
    assertThat(statement.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(statement.getAttributes().get(AttributeKey.stringKey("db.response.status_code"))).isEqualTo("22P02");
    assertThat(statement.getAttributes().get(AttributeKey.stringKey("error.type"))).endsWith("PgException");
    assertThat(statement.toString()).doesNotContain(input);
  }

  @Test
  void probes_areNotTraced_andACallersUnsampledTraceIsKeptUnsampled() {
    assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> unsampled = Await.result(client.request(HttpMethod.GET, port, "127.0.0.1",
        "/api/v1/restaurants/2").putHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        .send());
    assertThat(unsampled.statusCode()).isEqualTo(200);
    assertThat(unsampled.getHeader("X-Request-Id")).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    HttpResponse<Buffer> sampled = get(port, "/api/v1/restaurants/3");
    traceOf(sampled, "GET /api/v1/restaurants/:id");
    assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getName().contains("/health"))
        .noneMatch(s -> s.getTraceId().equals("0af7651916cd43dd8448eb211c80319c"))
        .anyMatch(s -> s.getTraceId().equals(sampled.getHeader("X-Request-Id")));
  }

  @Test
  void noSpanOrLogLineHoldsAParameterValueTokenOrEmail() {
    String email = "traced-" + System.nanoTime() + "@example.com";
    List<String> lines = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        lines.add(event.getFormattedMessage() + " " + event.getMDCPropertyMap());
      }
    };
    capture.start();
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(capture);
    try {
      requestsWithPersonalData(email, lines);
    } finally {
      root.detachAppender(capture);
    }
  }

  private void requestsWithPersonalData(String email, List<String> lines) {
    HttpResponse<Buffer> created = Await.result(client.request(HttpMethod.POST, port, "127.0.0.1", "/api/v1/users")
        .bearerTokenAuthentication(TOKEN).sendJsonObject(new JsonObject().put("email", email)
            .put("display_name", "Private Person")));
    assertThat(created.statusCode()).isEqualTo(201);
    long id = created.bodyAsJsonObject().getLong("id");
    traceOf(created, "POST /api/v1/users");
    traceOf(get(port, "/api/v1/users/" + id), "GET /api/v1/users/:id");
    traceOf(get(port, "/api/v1/restaurants/search?q=zyxwvutsecretterm"), "GET /api/v1/restaurants/search");
    traceOf(get(port, "/api/v1/restaurants?city=Secretville&page=1"), "GET /api/v1/restaurants");
    List<String> values = new ArrayList<>();
    for (SpanData span : spans.getFinishedSpanItems()) {
      values.add(span.getName());
      span.getAttributes().forEach((key, value) -> values.add(key.getKey() + "=" + value));
      span.getEvents().forEach(event -> values.add(event.getName() + " " + event.getAttributes()));
    }
    assertThat(values).isNotEmpty().noneMatch(v -> v.contains(email) || v.contains(TOKEN) || v.contains("Private Person")
        || v.contains("zyxwvutsecretterm") || v.contains("Secretville") || v.contains(String.valueOf(id) + "@"));
    // the node logs every statement here (DB_ECHO): none of those lines holds them either
    assertThat(lines).anyMatch(line -> line.contains("SELECT"));
    assertThat(lines).noneMatch(v -> v.contains(email) || v.contains(TOKEN) || v.contains("Private Person")
        || v.contains("zyxwvutsecretterm") || v.contains("Secretville"));
  }

  @Test
  void aCallBetweenTwoClusteredNodes_keepsOneTraceId() throws Exception {
    String members = "127.0.0.1:5921,127.0.0.1:5922";
    List<Vertx> nodes = new ArrayList<>();
    List<OpenTelemetrySdk> sdks = new ArrayList<>();
    try {
      int httpPort = TestNode.freePort();
      for (int i = 0; i < 2; i++) {
        Map<String, String> variables = new HashMap<>(Map.of("CONSOLIDB_ENV", "testing",
            "DATABASE_URL", node.databaseUrl(), "REDIS_ENABLED", "false", "DB_CACHE_ENABLED", "false",
            "CLUSTER_ENABLED", "true", "CLUSTER_PORT", Integer.toString(5921 + i), "CLUSTER_MEMBERS", members,
            "DB_ENABLE_METRICS", "false", "DB_MIGRATE", "false"));
        variables.putAll(Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", Integer.toString(httpPort)));
        NodeSettings settings = ConfigLoader.loadBlocking(variables);
        OpenTelemetrySdk nodeSdk = Tracing.sdk(EVERY_TRACE, SimpleSpanProcessor.create(leftOpen(spans)));
        sdks.add(nodeSdk);
        VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1"));
        Vertx clustered = Tracing.traced(Meters.vertxBuilder(options, Meters.registry(false)), nodeSdk)
            .withClusterManager(HazelcastClusterConfig.clusterManager(settings.cluster()))
            .buildClustered().await(60, TimeUnit.SECONDS);
        Tracing.register(clustered, nodeSdk);
        nodes.add(clustered);
        // node 0 serves restaurants; node 1 only answers HTTP and calls node 0 over the event bus
        EnumSet<Component> components = i == 0 ? EnumSet.of(Component.QUERY, Component.RESTAURANTS)
            : EnumSet.of(Component.HTTP);
        ConsolidbNode.deploy(clustered, Meters.registry(false), settings, components).await(60, TimeUnit.SECONDS);
      }
      Await.until("the restaurant service to be reachable from the HTTP node", 30_000,
          () -> get(httpPort, "/api/v1/restaurants/2").statusCode() == 200);
      spans.reset();
      HttpResponse<Buffer> answer = get(httpPort, "/api/v1/restaurants/2");
      assertThat(answer.statusCode()).isEqualTo(200);
      List<SpanData> trace = traceOf(answer, "GET /api/v1/restaurants/:id");
      System.out.println("a read across two clustered nodes:\n" + tree(trace));
      SpanData server = one(trace, "GET /api/v1/restaurants/:id");
      SpanData hop = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER && s != server
          && "event-bus".equals(s.getAttributes().get(AttributeKey.stringKey("consolidb.hop")))).findFirst()
          .orElseThrow(() -> new AssertionError("no event-bus hop in\n" + tree(trace)));
      assertThat(hop.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("get");
      assertThat(descends(trace, hop, server)).isTrue();
      assertThat(trace.stream().filter(s -> s.getName().equals("Query")))
          .isNotEmpty().allMatch(query -> descends(trace, query, hop));
    } finally {
      for (Vertx clustered : nodes) {
        clustered.close().await(30, TimeUnit.SECONDS);
      }
      sdks.forEach(OpenTelemetrySdk::close);
    }
  }
}
