package io.consolidb.http;

import static io.consolidb.http.HttpApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the HTTP verticle itself decides, on the verticle alone (no service behind it): the
 * answers to a refused origin, a body over the limit, an undecodable query, an unknown path, and
 * the read-your-writes header of a node with replicas.
 */
@DisplayName("HTTP verticle")
class HttpVerticleTest {

  private static final String TOKEN = "verticle-token-3e8b";
  private static final String APP = "https://app.example.com";
  private Vertx vertx;
  private WebClient client;

  /** Per test (the verticle alone starts in a fraction of a second): PIT credits a @BeforeAll to one test only. */
  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port).put("apiToken", TOKEN)
            .put("maxBodyBytes", 1024).put("cors", new JsonObject().put("allowedOrigins", APP)))
        .put("database", new JsonObject().put("url", "postgresql://u:secret-pw@127.0.0.1:1/db")
            .put("queryTimeoutMs", 500)
            .put("replicas", new JsonObject().put("urls", "postgresql://u:secret-pw@127.0.0.1:2/db")));
    Await.result(TestNode.deployHttp(vertx, config));
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String uri, String header, String value) {
    var request = client.request(HttpMethod.GET, uri);
    if (header != null) {
      request.putHeader(header, value);
    }
    return Await.result(request.send());
  }

  @Test
  @DisplayName("every family of routes is mounted: each answers for itself (a token asked for, the page, a missing service), not 404")
  void everyFamilyMounted() {
    assertThat(get("/metrics/summary", null, null).statusCode()).as("/metrics/summary").isIn(401, 403); // no token of this node holds its scope
    assertThat(get("/admin/cache/stats", null, null).statusCode()).as("/admin/cache/stats").isIn(401, 403); // no token of this node holds its scope
    assertThat(get("/status/data", null, null).statusCode()).as("/status/data").isIn(401, 403); // no token of this node holds its scope
    assertThat(get("/status", null, null).statusCode()).isEqualTo(200);
    assertThat(get("/health/live", null, null).statusCode()).isEqualTo(200);
    assertProblem(get("/api/v1/analytics/restaurants/top", null, null), 503, null);
    assertProblem(get("/api/v1/restaurants/1", null, null), 503, null);
    assertThat(get("/api/v1/users/1", null, null).statusCode()).as("/api/v1/users/1").isIn(401, 403); // no token of this node holds its scope
  }

  @Test
  @DisplayName("compression on (the default threshold): a large answer is gzipped when asked, and every answer says Vary")
  void compression() {
    HttpResponse<Buffer> script = get("/status/app.js", "Accept-Encoding", "gzip");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Content-Encoding")).isEqualTo("gzip");
    assertThat(script.getHeader("Vary")).isEqualTo("Accept-Encoding");
    HttpResponse<Buffer> small = get("/health/live", "Accept-Encoding", "gzip");
    assertThat(small.getHeader("Content-Encoding")).as("below the threshold").isNull();
    assertThat(small.getHeader("Vary")).isEqualTo("Accept-Encoding");
  }

  @Test
  @DisplayName("another origin: 403 problem naming CORS; the allowed origin is answered with its CORS header")
  void cors() {
    HttpResponse<Buffer> refused = get("/health/live", "Origin", "https://evil.example.com");
    assertProblem(refused, 403, null);
    assertThat(refused.bodyAsJsonObject().getString("detail")).isEqualTo("this origin may not call the API (CORS)");

    HttpResponse<Buffer> allowed = get("/health/live", "Origin", APP);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
  }

  @Test
  @DisplayName("a body over the limit: 413 problem naming the limit, and the connection is closed after it")
  void bodyOverTheLimit() {
    String large = new JsonObject().put("name", "x".repeat(2_000)).encode();
    HttpResponse<Buffer> refused = Await.result(client.post("/api/v1/restaurants").bearerTokenAuthentication(TOKEN)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(large)));
    assertProblem(refused, 413, null);
    assertThat(refused.bodyAsJsonObject().getString("detail")).isEqualTo("the request body is larger than 1024 bytes");
    assertThat(refused.getHeader("Connection")).isEqualTo("close");
  }

  @Test
  @DisplayName("an unknown path: 404 problem; a query string that cannot be decoded: 400 problem")
  void unknownPathAndUnreadableQuery() {
    HttpResponse<Buffer> unknown = get("/api/v1/nothing-here", null, null);
    assertProblem(unknown, 404, null);
    assertThat(unknown.bodyAsJsonObject().getString("detail")).isEqualTo("no such resource");

    HttpResponse<Buffer> unreadable = get("/api/v1/restaurants?city=%zz", null, null);
    assertProblem(unreadable, 400, null);
  }

  @Test
  @DisplayName("replicas on: a malformed read-your-writes position is a 400 naming the header; a valid one is taken")
  void readYourWritesHeader() {
    HttpResponse<Buffer> malformed = get("/api/v1/restaurants/1", "X-Consolidb-LSN", "not-an-lsn");
    assertProblem(malformed, 400, null);
    assertThat(malformed.bodyAsJsonObject().getString("detail")).contains("X-Consolidb-LSN");

    HttpResponse<Buffer> valid = get("/api/v1/restaurants/1", "X-Consolidb-LSN", "0/16B3748");
    assertThat(valid.statusCode()).as("no service behind this node").isEqualTo(503);
    assertThat(valid.getHeader("X-Consolidb-LSN")).as("nothing written, nothing answered").isNull();
    assertThat(valid.bodyAsString()).doesNotContain("secret-pw");
  }
}
