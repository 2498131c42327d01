package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/**
 * docs/openapi.yaml and the router agree: every documented operation has a route (it never
 * answers "no such resource" or 405), and every other method on a documented path answers 405
 * with an {@code Allow} header naming the documented methods. Runs without a database, cache or
 * metrics verticle: the routes answer 4xx/503, which is enough to prove they exist. The node's
 * Vert.x runs with metrics on, as a node does by default, since {@code GET /metrics} is only
 * served on the API port then.
 */
@ExtendWith(VertxExtension.class)
class OpenApiDocumentTest {

  private static final Path DOCUMENT = Path.of("docs/openapi.yaml");
  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch");

  private Vertx vertx;
  private WebClient client;

  @BeforeEach
  void deploy(VertxTestContext ctx) {
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    JsonObject config = new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", port))
        .put("database", new JsonObject().put("url", "postgresql://u:p@127.0.0.1:5432/db").put("queryTimeoutMs", 200));
    TestNode.deployHttp(vertx, config).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> documentedPaths() throws IOException {
    try (Reader reader = Files.newBufferedReader(DOCUMENT)) {
      Map<String, Object> document = new Yaml().load(reader);
      assertThat(document.get("openapi")).isEqualTo("3.1.0");
      return (Map<String, Map<String, Object>>) document.get("paths");
    }
  }

  @Test
  @DisplayName("every operation in docs/openapi.yaml is routed, and other methods on its paths answer 405")
  void document_matchesRouter(VertxTestContext ctx) throws IOException {
    Map<String, Map<String, Object>> paths = documentedPaths();
    assertThat(paths.keySet()).containsExactlyInAnyOrder("/api/v1/restaurants", "/api/v1/restaurants/search",
        "/api/v1/restaurants/{id}", "/health", "/health/live", "/health/ready", "/health/history",
        "/api/v1/users", "/api/v1/users/lookup", "/api/v1/users/{id}", "/api/v1/users/{id}/favorites",
        "/api/v1/users/{id}/favorites/{restaurantId}", "/api/v1/analytics/events",
        "/api/v1/analytics/events/counts", "/api/v1/analytics/restaurants/top",
        "/api/v1/analytics/restaurants/{id}/views", "/api/v1/analytics/active-users",
        "/api/v1/analytics/users/{id}/activity",
        "/metrics", "/metrics/summary", "/admin/queries/slow", "/admin/cache/stats", "/admin/cache/invalidate",
        "/status", "/status/app.js", "/status/app.css", "/status/data");
    List<Future<?>> checks = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> path : paths.entrySet()) {
      String uri = path.getKey().replace("{id}", "1").replace("{restaurantId}", "1");
      Set<String> documented = path.getValue().keySet();
      Set<String> allowed = METHODS.stream().filter(documented::contains)
          .map(method -> method.toUpperCase(Locale.ROOT)).collect(Collectors.toSet());
      if (allowed.contains("GET")) {
        allowed.add("HEAD"); // every GET resource answers HEAD too
      }
      for (String method : METHODS) {
        boolean expected = documented.contains(method);
        checks.add(client.request(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), uri)
            .putHeader("Content-Type", "application/json")
            .send()
            .map(response -> {
              ctx.verify(() -> {
                String what = method.toUpperCase(Locale.ROOT) + " " + uri + " answered " + response.bodyAsString();
                if (expected) {
                  assertThat(response.statusCode()).as(what).isNotEqualTo(405);
                  // an empty body is fine (a registry with no meters yet scrapes as nothing)
                  assertThat(String.valueOf(response.bodyAsString())).as(what).doesNotContain("no such resource");
                } else {
                  assertThat(response.statusCode()).as(what).isEqualTo(405);
                  assertThat(response.getHeader("Allow")).as(what + ": Allow").isNotNull();
                  assertThat(Set.of(response.getHeader("Allow").split(",\\s*"))).as(what + ": Allow")
                      .isEqualTo(allowed);
                }
              });
              return response;
            }));
      }
    }
    Future.all(checks).onComplete(ctx.succeedingThenComplete());
  }
}
