package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.tracing.RequestIdConverter;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * HTTP as web clients expect it, on a node with the services and one with only the HTTP API
 * calling them over the event bus: HEAD, OPTIONS, ETag and 304, Cache-Control, compression
 * above the threshold with Vary, the request id in answers, problems and every log line of the
 * request (on both nodes), and CORS (preflight without services, allowed and refused origins).
 */
class HttpConventionsTest {

  private static final String TOKEN = "conventions-token-4b1e";
  private static final String ORIGIN = "https://app.example.com";

  private static TestNode node;
  private static Vertx vertx;
  private static HttpClient http;
  /** HTTP with the services in-process. */
  private static int port;
  /** HTTP alone: every service call crosses the event bus. */
  private static int remotePort;
  /** HTTP alone with CORS for {@link #ORIGIN}, no services at all. */
  private static int corsPort;
  private static final List<String> lines = new CopyOnWriteArrayList<>();
  private static final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
    private final RequestIdConverter requestId = new RequestIdConverter();

    @Override
    protected void append(ILoggingEvent event) {
      // formatted on the logging thread, as the console appender does
      lines.add(requestId.convert(event) + " | " + event.getFormattedMessage());
    }
  };

  private record Answer(int status, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }

    JsonObject json() {
      return new JsonObject(body);
    }
  }

  @BeforeAll
  static void start() {
    node = TestNode.create("http_conventions");
    node.reseed();
    vertx = Vertx.vertx();
    http = vertx.createHttpClient(new HttpClientOptions().setDecompressionSupported(false));
    port = TestNode.freePort();
    JsonObject config = node.config(port, TOKEN);
    config.getJsonObject("database").put("echo", true);
    TestNodes.deploy(vertx, config, Component.QUERY, Component.RESTAURANTS, Component.USERS, Component.ANALYTICS,
        Component.HTTP);
    remotePort = TestNode.freePort();
    TestNodes.deploy(vertx, node.config(remotePort, TOKEN), Component.HTTP);
    corsPort = TestNode.freePort();
    JsonObject cors = node.config(corsPort, TOKEN);
    cors.getJsonObject("http").put("cors", new JsonObject().put("allowedOrigins", ORIGIN + ", http://127.0.0.1:9")
        .put("allowCredentials", true).put("maxAgeSeconds", 120));
    TestNodes.deploy(vertx, new JsonObject().put("environment", "testing").put("http", cors.getJsonObject("http"))
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:1/db")), Component.HTTP);
    capture.start();
    ((Logger) LoggerFactory.getLogger("io.consolidb")).addAppender(capture);
  }

  @AfterAll
  static void stop() throws Exception {
    ((Logger) LoggerFactory.getLogger("io.consolidb")).detachAppender(capture);
    vertx.close().await(30, TimeUnit.SECONDS);
    node.close();
  }

  private static Answer call(int port, HttpMethod method, String uri, Map<String, String> headers, String body) {
    return Await.result(http.request(new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port)
            .setURI(uri))
        .compose(request -> {
          headers.forEach(request::putHeader);
          return (body == null ? request.send() : request.send(body))
              .compose(response -> response.body().map(b -> new Answer(response.statusCode(), response.headers(), b)));
        }));
  }

  private static Answer call(HttpMethod method, String uri, Map<String, String> headers) {
    return call(port, method, uri, headers, null);
  }

  @Test
  void head_sameHeadersAsGetAndNoBody() {
    Answer get = call(HttpMethod.GET, "/api/v1/restaurants/2", Map.of());
    Answer head = call(HttpMethod.HEAD, "/api/v1/restaurants/2", Map.of());
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body().length()).isZero();
    assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type")).isEqualTo("application/json");
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.body().length()));
    assertThat(head.header("ETag")).isEqualTo(get.header("ETag")).isNotNull();
    assertThat(head.header("Cache-Control")).isEqualTo(get.header("Cache-Control"));
    // every GET route answers HEAD, a missing resource as GET would
    assertThat(call(HttpMethod.HEAD, "/health/live", Map.of()).status()).isEqualTo(200);
    assertThat(call(HttpMethod.HEAD, "/api/v1/restaurants?city=New%20York", Map.of()).status()).isEqualTo(200);
    Answer missing = call(HttpMethod.HEAD, "/api/v1/restaurants/9999", Map.of());
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body().length()).isZero();
  }

  @Test
  void options_answersAllow_andOtherMethodsKeep405WithAllow() {
    Answer options = call(HttpMethod.OPTIONS, "/api/v1/restaurants/2", Map.of());
    assertThat(options.status()).isEqualTo(204);
    assertThat(options.header("Allow")).isEqualTo("GET, HEAD, PUT, PATCH, DELETE");
    Answer refused = call(HttpMethod.POST, "/api/v1/restaurants/2", Map.of());
    assertThat(refused.status()).isEqualTo(405);
    assertThat(refused.header("Allow")).isEqualTo("GET, HEAD, PUT, PATCH, DELETE");
    assertThat(call(HttpMethod.PUT, "/health", Map.of()).header("Allow")).isEqualTo("GET, HEAD");
  }

  @Test
  void etag_ifNoneMatchGives304_untilTheRestaurantChanges() {
    Answer first = call(HttpMethod.GET, "/api/v1/restaurants/3", Map.of());
    String tag = first.header("ETag");
    assertThat(tag).matches("\"[0-9a-f]{16}\"");
    assertThat(first.header("Cache-Control")).isEqualTo("no-cache");

    for (String ifNoneMatch : List.of(tag, "W/" + tag, "\"other\", " + tag, "*")) {
      Answer again = call(HttpMethod.GET, "/api/v1/restaurants/3", Map.of("If-None-Match", ifNoneMatch));
      assertThat(again.status()).as(ifNoneMatch).isEqualTo(304);
      assertThat(again.body().length()).isZero();
      assertThat(again.header("ETag")).isEqualTo(tag);
    }
    assertThat(call(HttpMethod.GET, "/api/v1/restaurants/3", Map.of("If-None-Match", "\"other\"")).status())
        .isEqualTo(200);
    // the same answer from the node that calls the service over the event bus has the same tag
    assertThat(call(remotePort, HttpMethod.GET, "/api/v1/restaurants/3", Map.of(), null).header("ETag")).isEqualTo(tag);

    Answer updated = call(port, HttpMethod.PATCH, "/api/v1/restaurants/3",
        Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json"), "{\"rating\": 2.5}");
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.header("ETag")).as("a write is not a cacheable read").isNull();
    assertThat(updated.header("Cache-Control")).isEqualTo("no-store");
    Answer after = call(HttpMethod.GET, "/api/v1/restaurants/3", Map.of("If-None-Match", tag));
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.header("ETag")).isNotEqualTo(tag);
  }

  @Test
  void cacheControl_privateForPersonalData_noStoreForErrorsAndHealth() {
    Answer created = call(port, HttpMethod.POST, "/api/v1/users",
        Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json"),
        "{\"email\": \"cc-" + System.nanoTime() + "@example.com\", \"display_name\": \"Cache Control\"}");
    assertThat(created.status()).isEqualTo(201);
    long id = created.json().getLong("id");
    assertThat(call(HttpMethod.GET, "/api/v1/users/" + id, Map.of("Authorization", "Bearer " + TOKEN)).header("Cache-Control"))
        .isEqualTo("private, no-cache");
    assertThat(call(HttpMethod.GET, "/api/v1/users/" + id + "/favorites",
        Map.of("Authorization", "Bearer " + TOKEN)).header("Cache-Control"))
        .isEqualTo("private, no-cache");
    assertThat(call(HttpMethod.GET, "/api/v1/restaurants/9999", Map.of()).header("Cache-Control")).isEqualTo("no-store");
    assertThat(call(HttpMethod.GET, "/health/live", Map.of()).header("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  void compression_aboveTheThresholdWhenAsked_withVary() throws IOException {
    String page = "/api/v1/restaurants?city=New%20York&size=100";
    Answer plain = call(HttpMethod.GET, page, Map.of());
    assertThat(plain.body().length()).as("the page must be above the 1 KiB threshold").isGreaterThan(1024);
    assertThat(plain.header("Content-Encoding")).isNull();
    assertThat(plain.header("Vary")).isEqualTo("Accept-Encoding");

    Answer gzip = call(HttpMethod.GET, page, Map.of("Accept-Encoding", "gzip"));
    assertThat(gzip.header("Content-Encoding")).isEqualTo("gzip");
    assertThat(gzip.header("Vary")).isEqualTo("Accept-Encoding");
    assertThat(gzip.body().length()).isLessThan(plain.body().length());
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip.body().getBytes()))) {
      assertThat(new JsonObject(Buffer.buffer(in.readAllBytes()))).isEqualTo(plain.json());
    }

    Answer small = call(HttpMethod.GET, "/api/v1/restaurants/2", Map.of("Accept-Encoding", "gzip"));
    assertThat(small.body().length()).isLessThan(1024);
    assertThat(small.header("Content-Encoding")).as("below the threshold").isNull();
  }

  @Test
  void requestId_echoedOrCreated_inProblems_andInEveryLogLineOfTheRequest() {
    Answer given = call(HttpMethod.GET, "/api/v1/restaurants/9999", Map.of("X-Request-Id", "client-id.42:a_b"));
    assertThat(given.header("X-Request-Id")).isEqualTo("client-id.42:a_b");
    assertThat(given.json().getString("instance")).isEqualTo("urn:request:client-id.42:a_b");

    String created = call(HttpMethod.GET, "/health/live", Map.of("X-Request-Id", "bad id with spaces")).header("X-Request-Id");
    assertThat(created).matches("[0-9a-f]{32}");
    assertThat(call(HttpMethod.GET, "/health/live", Map.of()).header("X-Request-Id")).matches("[0-9a-f]{32}")
        .isNotEqualTo(created);
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    assertThat(call(HttpMethod.GET, "/health/live", Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"))
        .header("X-Request-Id")).isEqualTo(traceId);

    // the statement log (DB_ECHO) of a request: in-process, and over the event bus from another node
    lines.clear();
    call(HttpMethod.GET, "/api/v1/restaurants/4", Map.of("X-Request-Id", "local-read-1"));
    call(remotePort, HttpMethod.GET, "/api/v1/restaurants/5", Map.of("X-Request-Id", "remote-read-1"), null);
    call(HttpMethod.GET, "/api/v1/restaurants/6", Map.of());
    assertThat(lines).anyMatch(line -> line.startsWith(" req=local-read-1 | ") && line.contains("SELECT"));
    assertThat(lines).anyMatch(line -> line.startsWith(" req=remote-read-1 | ") && line.contains("SELECT"));
    assertThat(lines).filteredOn(line -> line.contains("SELECT")).allMatch(line -> line.startsWith(" req="));
    // outside any request, nothing is added
    assertThat(new RequestIdConverter().convert(null)).isEmpty();
  }

  @Test
  void cors_preflightWithoutServices_allowedOriginRead_otherOriginRefused() {
    Answer preflight = call(corsPort, HttpMethod.OPTIONS, "/api/v1/restaurants",
        Map.of("Origin", ORIGIN, "Access-Control-Request-Method", "POST",
            "Access-Control-Request-Headers", "authorization, content-type"), null);
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(preflight.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST", "GET", "DELETE");
    assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization", "Content-Type");
    assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("120");

    Answer read = call(corsPort, HttpMethod.GET, "/health/live", Map.of("Origin", ORIGIN), null);
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(read.header("Access-Control-Expose-Headers")).contains("ETag", "X-Request-Id", "X-Cache", "X-Consolidb-LSN");
    assertThat(read.header("Vary")).containsIgnoringCase("origin");

    for (HttpMethod method : List.of(HttpMethod.OPTIONS, HttpMethod.GET)) {
      Answer refused = call(corsPort, method, "/health/live",
          Map.of("Origin", "https://evil.example.com", "Access-Control-Request-Method", "GET"), null);
      assertThat(refused.status()).as(method.name()).isEqualTo(403);
      assertThat(refused.header("Access-Control-Allow-Origin")).isNull();
      assertThat(refused.json().getString("detail")).contains("origin");
    }
    // no CORS configured: no CORS header, whatever the origin
    Answer none = call(HttpMethod.GET, "/health/live", Map.of("Origin", ORIGIN));
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.header("Access-Control-Allow-Origin")).isNull();
  }
}
