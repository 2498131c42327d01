package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Hostile;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Arbitrary query parameters, path segments and bodies on the HTTP API: an answer within the
 * deadline, never a 500 (5xx only as 503/504, the documented dependency failures), never Java
 * exception text in the body.
 */
class HttpProperties {

  private static final String TOKEN = "props-token";
  private static final long DEADLINE_MS = 8_000;
  private static final Set<Integer> DEPENDENCY_FAILURES = Set.of(503, 504);

  private static Vertx vertx;
  private static TestNode node;
  private static WebClient client;

  @BeforeContainer
  static void start() throws Exception {
    vertx = Vertx.vertx();
    node = TestNode.create("props_http");
    int port = TestNode.freePort();
    TestNode.deployServicesAndHttp(vertx, node.config(port, TOKEN), false).await(60, TimeUnit.SECONDS);
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setIdleTimeout(30));
  }

  @AfterContainer
  static void stop() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    node.close();
  }

  /** A GET route with its parameters filled from arbitrary text. */
  @Provide
  Arbitrary<String> readUri() {
    Arbitrary<String> p = Hostile.text().map(HttpProperties::encoded);
    return Arbitraries.oneOf(
        Combinators.combine(p, p, p, p).as((a, b, c, d) -> "/api/v1/restaurants?lat=" + a + "&lng=" + b
            + "&radius_km=" + c + "&limit=" + d),
        Combinators.combine(p, p, p).as((a, b, c) -> "/api/v1/restaurants?city=" + a + "&page=" + b + "&size=" + c),
        Combinators.combine(p, p).as((a, b) -> "/api/v1/restaurants/search?q=" + a + "&limit=" + b),
        p.map(a -> "/api/v1/restaurants/" + a),
        p.map(a -> "/api/v1/users/" + a),
        p.map(a -> "/api/v1/users/" + a + "/favorites"),
        Combinators.combine(p, p, p).as((a, b, c) -> "/api/v1/analytics/restaurants/top?from=" + a + "&to=" + b
            + "&limit=" + c),
        Combinators.combine(p, p, p).as((a, b, c) -> "/api/v1/analytics/events/counts?from=" + a + "&to=" + b
            + "&type=" + c),
        Combinators.combine(p, p).as((a, b) -> "/api/v1/analytics/active-users?from=" + a + "&to=" + b),
        Combinators.combine(p, p).as((a, b) -> "/api/v1/analytics/restaurants/" + a + "/views?from=" + b),
        p.map(a -> "/health/history?limit=" + a));
  }

  @Provide
  Arbitrary<String> writeUri() {
    return Arbitraries.of("/api/v1/restaurants", "/api/v1/restaurants/1", "/api/v1/users", "/api/v1/users/1",
        "/api/v1/users/1/favorites/1", "/api/v1/analytics/events");
  }

  @Provide
  Arbitrary<HttpMethod> writeMethod() {
    return Arbitraries.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);
  }

  @Provide
  Arbitrary<String> body() {
    return Arbitraries.oneOf(
        Hostile.object().map(json -> json.encode()),
        Hostile.value().map(v -> Json.encode(v)),
        Hostile.text());
  }

  @Property(tries = 250)
  void readsNeverFailWith500(@ForAll("readUri") String uri) throws Exception {
    // with a token that reads users too: hostile ids must reach the user routes' parsing
    check(client.request(HttpMethod.GET, uri).putHeader("Authorization", "Bearer " + TOKEN), null);
  }

  @Property(tries = 200)
  void writesNeverFailWith500(@ForAll("writeMethod") HttpMethod method, @ForAll("writeUri") String uri,
      @ForAll("body") String body) throws Exception {
    check(client.request(method, uri).putHeader("Authorization", "Bearer " + TOKEN)
        .putHeader("Content-Type", "application/json"), Buffer.buffer(body));
  }

  private static void check(HttpRequest<Buffer> request, Buffer body) throws Exception {
    request.timeout(DEADLINE_MS);
    HttpResponse<Buffer> response = (body == null ? request.send() : request.sendBuffer(body))
        .await(DEADLINE_MS + 2_000, TimeUnit.MILLISECONDS);
    String text = response.bodyAsString();
    int status = response.statusCode();
    assertThat(status < 500 || DEPENDENCY_FAILURES.contains(status)).as("status %d: %s", status, text).isTrue();
    assertThat(Hostile.leaksInternals(text)).as("internals in: %s", text).isFalse();
  }

  private static String encoded(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
